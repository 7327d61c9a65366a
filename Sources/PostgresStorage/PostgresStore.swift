import Foundation
import Logging
import Model
import PostgresNIO
import Storage
import Synchronization

/// The shared store: one PostgreSQL database that several nodes use at once. Same contract as `SQLiteStore`
/// (`Tests/StorageTests/StoreContract.swift` runs on both); every change is one transaction, acknowledged once
/// PostgreSQL has committed it.
public final class PostgresStore: PortcullisStore {
    let client: PostgresClient
    let logger: Logger
    public let location: PostgresLocation
    /// Kept in memory only, for the connections the pool does not make (listening for announcements).
    let password: String?
    private let running: Task<Void, Never>

    /// Connects once to migrate the schema (under a lock, so nodes starting together do it once; a wrong password
    /// or an unreachable server is refused at once with the server's reason), then opens the pool.
    public init(_ location: PostgresLocation, password: String?, logger: Logger = PostgresStore.defaultLogger) async throws {
        do {
            let connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(password: password), id: 0, logger: logger)
            do {
                try await PostgresMigrations.migrate(connection, logger: logger)
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw StoreError.backend("cannot open \(location): \(PostgresStore.describe(error))")
        }
        let client = PostgresClient(configuration: location.clientConfiguration(password: password), backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.location = location
        self.password = password
        running = Task { await client.run() }
    }

    /// The pool logs each failed connection attempt; only warnings and worse reach the server's log.
    public static let defaultLogger: Logger = {
        var logger = Logger(label: "portcullis.postgres")
        logger.logLevel = .warning
        return logger
    }()

    deinit { running.cancel() }

    // MARK: Extensions

    public func createExtension(_ record: ExtensionRecord) async throws {
        try await transaction { connection in
            if try await !Self.rows(connection, "SELECT 1 FROM extension WHERE number = \(record.number)").isEmpty {
                throw StoreError.alreadyExists("extension \(record.number)")
            }
            try await Self.checkRegistrationName(record, connection)
            try await Self.insert(record, connection)
        }
    }

    public func updateExtension(_ record: ExtensionRecord) async throws {
        try await transaction { connection in
            try await Self.checkRegistrationName(record, connection)
            let updated = try await Self.rows(connection, """
                UPDATE extension SET registration_name = \(record.registrationName), display_name = \(record.displayName),
                  ha1_md5 = \(record.ha1MD5), ha1_sha256 = \(record.ha1SHA256), updated_at = \(record.updatedAt),
                  policy = \(Self.json(record.policy)) WHERE number = \(record.number) RETURNING number
                """)
            if updated.isEmpty { throw StoreError.notFound("extension \(record.number)") }
        }
    }

    public func deleteExtension(number: String) async throws -> Bool {
        try await !rows("DELETE FROM extension WHERE number = \(number) RETURNING number").isEmpty
    }

    public func extensionRecord(number: String) async throws -> ExtensionRecord? {
        try await rows("SELECT * FROM extension WHERE number = \(number)").first.map(Self.extensionRecord)
    }

    public func extensions() async throws -> [ExtensionRecord] {
        try await rows("SELECT * FROM extension ORDER BY number").map(Self.extensionRecord)
    }

    public func extensions(containing search: String?, offset: Int, limit: Int) async throws -> (records: [ExtensionRecord], total: Int) {
        let filter = PostgresFilter(ListFilter(extensionsContaining: search))
        let total = try await rows(filter.query("SELECT COUNT(*) AS n FROM extension \(filter.whereClause)")).first?.get("n", as: Int.self) ?? 0
        let sql = "SELECT * FROM extension \(filter.whereClause) ORDER BY number LIMIT $\(filter.next) OFFSET $\(filter.next + 1)"
        var bindings = filter.bindings
        bindings.append(max(0, limit))
        bindings.append(max(0, offset))
        let records = try await rows(PostgresQuery(unsafeSQL: sql, binds: bindings)).map(Self.extensionRecord)
        return (records, total)
    }

    public func replaceConfiguration(extensions: [ExtensionRecord], settings: [String: String?]) async throws {
        try await transaction { connection in
            try await Self.rows(connection, "DELETE FROM extension")
            for record in extensions { try await Self.insert(record, connection) }
            for (key, value) in settings { try await Self.setSetting(key, value, connection) }
        }
    }

    // MARK: Bindings

    /// In order; runs of upserts of different contacts go as one statement (a registration burst is one round trip per
    /// batch, not one per phone).
    public func applyBindingChanges(_ changes: [BindingChange]) async throws {
        guard !changes.isEmpty else { return }
        try await transaction { connection in
            var run: [BindingRecord] = []
            var contacts = Set<[String]>()
            for change in changes {
                switch change {
                case .upsert(let binding):
                    if !contacts.insert([binding.aor, binding.contact]).inserted {
                        try await Self.upsert(run, on: connection)
                        (run, contacts) = ([], [[binding.aor, binding.contact]])
                    }
                    run.append(binding)
                case .remove(let aor, let contact, let node):
                    try await Self.upsert(run, on: connection)
                    (run, contacts) = ([], [])
                    try await Self.rows(connection, "DELETE FROM binding WHERE aor = \(aor) AND contact = \(contact) AND node IS NOT DISTINCT FROM \(node)")
                }
            }
            try await Self.upsert(run, on: connection)
        }
    }

    /// Bindings of different contacts in one statement; arrays cannot hold NULL here, so optional columns travel with a
    /// flag each.
    private static func upsert(_ bindings: [BindingRecord], on connection: PostgresConnection) async throws {
        guard !bindings.isEmpty else { return }
        try await rows(connection, """
            INSERT INTO binding (aor, contact, expires_at, call_id, cseq, source, transport, user_agent, updated_at, node)
            SELECT aor, contact, expires_at, call_id, cseq, source, transport, CASE WHEN has_agent THEN agent END, updated_at,
                   CASE WHEN has_node THEN node END
            FROM unnest(\(bindings.map(\.aor))::text[], \(bindings.map(\.contact))::text[], \(bindings.map(\.expiresAt))::timestamptz[],
                        \(bindings.map(\.callID))::text[], \(bindings.map { Int64($0.cseq) })::bigint[], \(bindings.map(\.source))::text[],
                        \(bindings.map(\.transport))::text[], \(bindings.map { $0.userAgent ?? "" })::text[], \(bindings.map { $0.userAgent != nil })::bool[],
                        \(bindings.map(\.updatedAt))::timestamptz[], \(bindings.map { $0.node ?? "" })::text[], \(bindings.map { $0.node != nil })::bool[])
                 AS b(aor, contact, expires_at, call_id, cseq, source, transport, agent, has_agent, updated_at, node, has_node)
            ON CONFLICT (aor, contact) DO UPDATE SET expires_at = excluded.expires_at, call_id = excluded.call_id,
              cseq = excluded.cseq, source = excluded.source, transport = excluded.transport,
              user_agent = excluded.user_agent, updated_at = excluded.updated_at, node = excluded.node
            """)
    }

    public func bindings() async throws -> [BindingRecord] {
        try await rows("SELECT * FROM binding ORDER BY aor, contact").map { row in
            BindingRecord(aor: try row.get("aor"), contact: try row.get("contact"), expiresAt: try row.get("expires_at"),
                          callID: try row.get("call_id"), cseq: UInt32(truncatingIfNeeded: try row.get("cseq", as: Int64.self)),
                          source: try row.get("source"), transport: try row.get("transport"), userAgent: try row.get("user_agent"),
                          updatedAt: try row.get("updated_at"), node: try row.get("node"))
        }
    }

    public func removeBindings(node: String) async throws -> Int {
        try await rows("DELETE FROM binding WHERE node = \(node) RETURNING aor").count
    }

    // MARK: Events

    public func appendEvents(_ events: [EventRecord]) async throws {
        guard !events.isEmpty else { return }
        try await transaction { connection in
            for event in events {
                let fields = String(decoding: try JSONEncoder().encode(event.fields), as: UTF8.self)
                try await Self.rows(connection, """
                    INSERT INTO event (time, name, category, level, fields)
                    VALUES (\(event.time), \(event.name), \(event.category), \(event.level), \(fields)::jsonb)
                    """)
            }
        }
    }

    public func pruneEvents(_ pruning: EventPruning) async throws -> Int {
        try await transaction { connection in
            var deleted = try await Self.rows(connection, """
                DELETE FROM event WHERE time < \(pruning.before) AND NOT (name = ANY(\(pruning.security))) RETURNING id
                """).count
            deleted += try await Self.rows(connection, "DELETE FROM event WHERE time < \(pruning.securityBefore) RETURNING id").count
            let count = try await Self.rows(connection, "SELECT COUNT(*) AS n FROM event").first?.get("n", as: Int.self) ?? 0
            let excess = count - max(0, pruning.keeping)
            guard excess > 0 else { return deleted }
            let ordinary = try await Self.rows(connection, """
                DELETE FROM event WHERE id IN (SELECT id FROM event WHERE NOT (name = ANY(\(pruning.security))) ORDER BY id LIMIT \(excess))
                RETURNING id
                """).count
            deleted += ordinary
            if excess > ordinary {
                deleted += try await Self.rows(connection, """
                    DELETE FROM event WHERE id IN (SELECT id FROM event ORDER BY id LIMIT \(excess - ordinary)) RETURNING id
                    """).count
            }
            return deleted
        }
    }

    public func events(_ query: EventQuery) async throws -> [EventRecord] {
        let filter = PostgresFilter(ListFilter(query))
        let sql = "SELECT id, time, name, category, level, fields::text AS fields, read FROM event \(filter.whereClause) ORDER BY time DESC, id DESC LIMIT \(query.limit)"
        return try await rows(filter.query(sql)).map { row in
            let json: String = try row.get("fields")
            let fields = (try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))) ?? [:]
            return EventRecord(id: try row.get("id"), time: try row.get("time"), name: try row.get("name"), category: try row.get("category"),
                               level: try row.get("level"), fields: fields, read: try row.get("read"))
        }
    }

    public func markEvents(read: Bool, ids: [Int64]?) async throws -> Int {
        if let ids {
            return try await rows("UPDATE event SET read = \(read) WHERE id = ANY(\(ids)) AND read <> \(read) RETURNING id").count
        }
        return try await rows("UPDATE event SET read = \(read) WHERE read <> \(read) RETURNING id").count
    }

    // MARK: Settings

    public func setting(_ key: String) async throws -> String? {
        try await rows("SELECT value FROM setting WHERE key = \(key)").first?.get("value")
    }

    public func setSetting(_ key: String, value: String?) async throws {
        try await transaction { connection in try await Self.setSetting(key, value, connection) }
    }

    public func modifySetting(_ key: String, _ change: @escaping @Sendable (String?) throws -> String?) async throws {
        try await transaction { connection in
            // Nodes modifying the same key queue on a lock named by it, held until the transaction ends; a row lock
            // would not cover a key that has no row yet.
            try await Self.rows(connection, "SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))")
            let current: String? = try await Self.rows(connection, "SELECT value FROM setting WHERE key = \(key)").first?.get("value")
            try await Self.setSetting(key, try change(current), connection)
        }
    }

    static func setSetting(_ key: String, _ value: String?, _ connection: PostgresConnection) async throws {
        if let value {
            try await rows(connection, "INSERT INTO setting (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        } else {
            try await rows(connection, "DELETE FROM setting WHERE key = \(key)")
        }
    }

    // MARK: Running queries

    /// The rows of one statement, outside a transaction of its own making.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await Self.storeErrors {
            try await leased { [logger] connection in try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() } }
        }
    }

    /// How long a statement waits for a connection. The pool itself would wait for the server however long it is
    /// gone; a node must instead learn at once that the store is unreachable (and keep its writes for later).
    public static let leaseTimeout = Duration.seconds(3)

    /// How often a running statement's connection is looked at, and how long after it closed the statement may still
    /// finish on its own. postgres-nio drops the failure of a statement written to a connection that has just closed
    /// (and a failed transaction sends its ROLLBACK the same way), so such a statement would never end.
    static let closedConnectionCheck = Duration.seconds(1)

    /// `body` on a pooled connection, or `StoreError.backend` when none comes within `leaseTimeout`. Whichever comes
    /// first wins: a connection that arrives after the caller gave up is handed back without running `body` (the
    /// caller keeps its writes and tries again). Once `body` has its connection it is never cut short while that
    /// connection is open; when the connection closes under it, the caller is told the store is unreachable within
    /// `closedConnectionCheck` twice over, instead of waiting on an answer that will not come.
    func leased<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let race = LeaseRace()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            Task { [client] in
                do {
                    let value = try await client.withConnection { connection in
                        guard race.lease(connection) else { throw CancellationError() }
                        return try await body(connection)
                    }
                    if race.finish() { continuation.resume(returning: value) }
                } catch {
                    if race.finish() { continuation.resume(throwing: error) }
                }
            }
            Task {
                try? await Task.sleep(for: PostgresStore.leaseTimeout)
                if race.timeOut() {
                    continuation.resume(throwing: StoreError.backend("no connection to PostgreSQL within \(PostgresStore.leaseTimeout)"))
                    return
                }
                while let connection = race.runningOn {
                    let closed = connection.isClosed
                    try? await Task.sleep(for: PostgresStore.closedConnectionCheck)
                    if closed, race.finish() {
                        continuation.resume(throwing: StoreError.backend("the connection to PostgreSQL closed during a statement"))
                    }
                }
            }
        }
    }

    /// The rows of one statement inside `connection`'s transaction.
    @discardableResult
    static func rows(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await connection.query(query, logger: defaultLogger).collect().map { $0.makeRandomAccess() }
    }

    /// `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.storeErrors {
            try await leased { [logger] connection in try await connection.withTransaction(logger: logger) { try await body($0) } }
        }
    }

    /// PostgreSQL's errors as `StoreError.backend`; a `StoreError` thrown inside stays what it is (postgres-nio wraps
    /// errors thrown in a transaction's body).
    static func storeErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError as? StoreError { throw inner }
            throw StoreError.backend(describe(error))
        } catch {
            throw StoreError.backend(describe(error))
        }
    }

    /// What went wrong, with the server's message when there is one (postgres-nio's description alone hides it).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return "PostgreSQL: \(message)" }
            return "PostgreSQL: \(error.code)" + (error.underlying.map { " (\($0))" } ?? "")
        }
        if let error = error as? PostgresTransactionError {
            return describe(error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error)
        }
        return String(describing: error)
    }

    // MARK: Rows

    static func insert(_ record: ExtensionRecord, _ connection: PostgresConnection) async throws {
        try await rows(connection, """
            INSERT INTO extension (number, registration_name, display_name, ha1_md5, ha1_sha256, created_at, updated_at, policy)
            VALUES (\(record.number), \(record.registrationName), \(record.displayName), \(record.ha1MD5), \(record.ha1SHA256),
                    \(record.createdAt), \(record.updatedAt), \(json(record.policy)))
            """)
    }

    /// A digest user name identifies one extension: it may not be another extension's name or number.
    static func checkRegistrationName(_ record: ExtensionRecord, _ connection: PostgresConnection) async throws {
        let clash = try await rows(connection, """
            SELECT number FROM extension WHERE number <> \(record.number)
              AND (registration_name = \(record.registrationName) OR number = \(record.registrationName)) LIMIT 1
            """).first
        if let clash { throw StoreError.alreadyExists("registration name '\(record.registrationName)' (used by extension \(try clash.get("number", as: String.self)))") }
    }

    static func json(_ policy: ExtensionPolicy) -> String {
        String(decoding: (try? JSONEncoder().encode(policy)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// A policy that cannot be read is an error naming the extension, never the permissive default.
    static func extensionRecord(_ row: PostgresRandomAccessRow) throws -> ExtensionRecord {
        let number: String = try row.get("number")
        let text: String = try row.get("policy")
        guard let policy = try? JSONDecoder().decode(ExtensionPolicy.self, from: Data(text.utf8)) else {
            throw StoreError.unreadable("the stored policy of extension \(number) (remove the extension and add it again)")
        }
        return ExtensionRecord(number: number, registrationName: try row.get("registration_name"), displayName: try row.get("display_name"),
                               ha1MD5: try row.get("ha1_md5"), ha1SHA256: try row.get("ha1_sha256"), createdAt: try row.get("created_at"),
                               updatedAt: try row.get("updated_at"), policy: policy)
    }
}

/// Who won a lease: the connection (the statement runs) or the clock (the caller is told the store is unreachable);
/// then, for a leased statement, who ends it: the statement, or its connection closing under it. Each step is claimed
/// once, so the caller is answered once.
private final class LeaseRace: Sendable {
    private enum State {
        case waiting
        case leased(PostgresConnection)
        case timedOut
        case finished
    }

    private let state = Mutex<State>(.waiting)

    /// True when the connection came before the clock.
    func lease(_ connection: PostgresConnection) -> Bool {
        state.withLock { state in
            guard case .waiting = state else { return false }
            state = .leased(connection)
            return true
        }
    }

    /// True when the clock came before a connection.
    func timeOut() -> Bool {
        state.withLock { state in
            guard case .waiting = state else { return false }
            state = .timedOut
            return true
        }
    }

    /// True for the first end of a leased statement.
    func finish() -> Bool {
        state.withLock { state in
            guard case .leased = state else { return false }
            state = .finished
            return true
        }
    }

    /// The connection of a statement still running.
    var runningOn: PostgresConnection? {
        state.withLock { state in
            guard case .leased(let connection) = state else { return nil }
            return connection
        }
    }
}

extension PostgresRandomAccessRow {
    /// The column's value, decoded as `T`.
    func get<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }
}
