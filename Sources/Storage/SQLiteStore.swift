import Model
import Foundation
import GRDB

/// The embedded default: one SQLite file in the data directory, WAL mode, synchronous=FULL so an acknowledged
/// change survives a crash or power loss.
public final class SQLiteStore: PortcullisStore {
    private let pool: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try StoreMigrations.migrator.migrate(pool)
        } catch {
            throw StoreError.backend("cannot open \(path): \(error)")
        }
    }

    public func createExtension(_ record: ExtensionRecord) async throws {
        try await write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM extension WHERE number = ?", arguments: [record.number]) != nil {
                throw StoreError.alreadyExists("extension \(record.number)")
            }
            try Self.checkRegistrationName(record, db)
            try Self.insert(record, db)
        }
    }

    public func updateExtension(_ record: ExtensionRecord) async throws {
        try await write { db in
            try Self.checkRegistrationName(record, db)
            try db.execute(sql: """
                UPDATE extension SET registration_name = ?, display_name = ?, ha1_md5 = ?, ha1_sha256 = ?, updated_at = ?, policy = ?
                WHERE number = ?
                """, arguments: [record.registrationName, record.displayName, record.ha1MD5, record.ha1SHA256, record.updatedAt,
                                 Self.json(record.policy), record.number])
            if db.changesCount == 0 { throw StoreError.notFound("extension \(record.number)") }
        }
    }

    public func deleteExtension(number: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM extension WHERE number = ?", arguments: [number])
            return db.changesCount > 0
        }
    }

    public func extensionRecord(number: String) async throws -> ExtensionRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM extension WHERE number = ?", arguments: [number]).map(Self.extensionRecord) }
    }

    public func extensions() async throws -> [ExtensionRecord] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM extension ORDER BY number").map(Self.extensionRecord) }
    }

    public func extensions(containing search: String?, offset: Int, limit: Int) async throws -> (records: [ExtensionRecord], total: Int) {
        let filter = SQLFilter(ListFilter(extensionsContaining: search))
        return try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM extension \(filter.whereClause)", arguments: filter.arguments) ?? 0
            let records = try Row.fetchAll(db, sql: "SELECT * FROM extension \(filter.whereClause) ORDER BY number LIMIT ? OFFSET ?",
                                           arguments: filter.arguments + [max(0, limit), max(0, offset)]).map(Self.extensionRecord)
            return (records, total)
        }
    }

    public func replaceConfiguration(extensions: [ExtensionRecord], settings: [String: String?]) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM extension")
            for record in extensions { try Self.insert(record, db) }
            for (key, value) in settings { try Self.setSetting(key, value, db) }
        }
    }

    public func applyBindingChanges(_ changes: [BindingChange]) async throws {
        try await write { db in
            try changes.forEachGivingWay { change in
                switch change {
                case .upsert(let binding):
                    try db.cachedStatement(sql: """
                        INSERT INTO binding (aor, contact, expires_at, call_id, cseq, source, transport, user_agent, updated_at, node)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (aor, contact) DO UPDATE SET expires_at = excluded.expires_at, call_id = excluded.call_id,
                          cseq = excluded.cseq, source = excluded.source, transport = excluded.transport,
                          user_agent = excluded.user_agent, updated_at = excluded.updated_at, node = excluded.node
                        """).execute(arguments: [binding.aor, binding.contact, DatabaseTimestamp.text(binding.expiresAt), binding.callID, Int64(binding.cseq),
                                         binding.source, binding.transport, binding.userAgent, DatabaseTimestamp.text(binding.updatedAt), binding.node])
                case .remove(let aor, let contact, let node):
                    try db.cachedStatement(sql: "DELETE FROM binding WHERE aor = ? AND contact = ? AND node IS ?").execute(arguments: [aor, contact, node])
                }
            }
        }
    }

    public func bindings() async throws -> [BindingRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM binding ORDER BY aor, contact").map { row in
                BindingRecord(aor: row["aor"], contact: row["contact"], expiresAt: row["expires_at"], callID: row["call_id"],
                              cseq: UInt32(truncatingIfNeeded: row["cseq"] as Int64), source: row["source"],
                              transport: row["transport"], userAgent: row["user_agent"], updatedAt: row["updated_at"], node: row["node"])
            }
        }
    }

    public func removeBindings(node: String) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM binding WHERE node = ?", arguments: [node])
            return db.changesCount
        }
    }

    public func appendEvents(_ events: [EventRecord]) async throws {
        try await write { db in
            try events.forEachGivingWay { event in
                let fields = String(decoding: try JSONEncoder().encode(event.fields), as: UTF8.self)
                try db.cachedStatement(sql: "INSERT INTO event (time, name, category, level, fields) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [event.time, event.name, event.category, event.level, fields])
            }
        }
    }

    public func pruneEvents(_ pruning: EventPruning) async throws -> Int {
        let security = pruning.security.isEmpty ? "''" : Array(repeating: "?", count: pruning.security.count).joined(separator: ",")
        let names = StatementArguments(pruning.security)
        return try await write { db in
            try db.execute(sql: "DELETE FROM event WHERE time < ? AND name NOT IN (\(security))", arguments: [pruning.before] + names)
            var deleted = db.changesCount
            try db.execute(sql: "DELETE FROM event WHERE time < ?", arguments: [pruning.securityBefore])
            deleted += db.changesCount
            let excess = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event")! - max(0, pruning.keeping)
            guard excess > 0 else { return deleted }
            try db.execute(sql: "DELETE FROM event WHERE id IN (SELECT id FROM event WHERE name NOT IN (\(security)) ORDER BY id LIMIT ?)",
                           arguments: names + [excess])
            deleted += db.changesCount
            let rest = excess - db.changesCount
            if rest > 0 {
                try db.execute(sql: "DELETE FROM event WHERE id IN (SELECT id FROM event ORDER BY id LIMIT ?)", arguments: [rest])
                deleted += db.changesCount
            }
            return deleted
        }
    }

    public func events(_ query: EventQuery) async throws -> [EventRecord] {
        let filter = SQLFilter(ListFilter(query))
        let sql = "SELECT * FROM event \(filter.whereClause) ORDER BY time DESC, id DESC LIMIT \(query.limit)"
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: filter.arguments).map { row in
                let json: String = row["fields"]
                let fields = (try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))) ?? [:]
                return EventRecord(id: row["id"], time: row["time"], name: row["name"], category: row["category"],
                                   level: row["level"], fields: fields, read: row["read"])
            }
        }
    }

    public func markEvents(read: Bool, ids: [Int64]?) async throws -> Int {
        try await write { db in
            if let ids {
                var changed = 0
                for id in ids {
                    try db.cachedStatement(sql: "UPDATE event SET read = ? WHERE id = ? AND read != ?").execute(arguments: [read, id, read])
                    changed += db.changesCount
                }
                return changed
            }
            try db.execute(sql: "UPDATE event SET read = ? WHERE read != ?", arguments: [read, read])
            return db.changesCount
        }
    }

    public func setting(_ key: String) async throws -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    public func setSetting(_ key: String, value: String?) async throws {
        try await write { db in try Self.setSetting(key, value, db) }
    }

    public func modifySetting(_ key: String, _ change: @escaping @Sendable (String?) throws -> String?) async throws {
        // One writer at a time: the read and the write are one transaction of the only writer.
        try await write { db in
            try Self.setSetting(key, change(try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key])), db)
        }
    }

    private static func setSetting(_ key: String, _ value: String?, _ db: Database) throws {
        if let value {
            try db.execute(sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        } else {
            try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.storeErrors { try await pool.write(body) }
    }

    func writeWithoutTransaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.storeErrors { try await pool.writeWithoutTransaction(body) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.storeErrors { try await pool.read(body) }
    }

    /// GRDB's errors as `StoreError.backend`; a `StoreError` thrown inside stays what it is.
    private static func storeErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.backend("\(error)")
        }
    }

    private static func insert(_ record: ExtensionRecord, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO extension (number, registration_name, display_name, ha1_md5, ha1_sha256, created_at, updated_at, policy)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [record.number, record.registrationName, record.displayName, record.ha1MD5, record.ha1SHA256,
                             record.createdAt, record.updatedAt, json(record.policy)])
    }

    /// A digest user name identifies one extension: it may not be another extension's name or number.
    private static func checkRegistrationName(_ record: ExtensionRecord, _ db: Database) throws {
        let clash = try String.fetchOne(db, sql: """
            SELECT number FROM extension WHERE number != ? AND (registration_name = ? OR number = ?) LIMIT 1
            """, arguments: [record.number, record.registrationName, record.registrationName])
        if let clash { throw StoreError.alreadyExists("registration name '\(record.registrationName)' (used by extension \(clash))") }
    }

    private static func json(_ policy: ExtensionPolicy) -> String {
        String(decoding: (try? JSONEncoder().encode(policy)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// A policy that cannot be read is an error naming the extension, never the permissive default: a 10.0.0.0/8-only
    /// extension must not register from anywhere because its column was damaged. (No column at all, from before
    /// policies existed, is the default.)
    private static func extensionRecord(_ row: Row) throws -> ExtensionRecord {
        let number: String = row["number"]
        var policy = ExtensionPolicy()
        if let text = row["policy"] as String? {
            do {
                policy = try JSONDecoder().decode(ExtensionPolicy.self, from: Data(text.utf8))
            } catch {
                throw StoreError.unreadable("the stored policy of extension \(number) (remove the extension and add it again)")
            }
        }
        return ExtensionRecord(number: number, registrationName: row["registration_name"], displayName: row["display_name"], ha1MD5: row["ha1_md5"],
                               ha1SHA256: row["ha1_sha256"], createdAt: row["created_at"], updatedAt: row["updated_at"], policy: policy)
    }
}
