import Foundation

/// Moving an installation between engines (`portcullis store migrate`): every table, row for row with its ids, in
/// pages. Both engines have the same tables and columns (`StoreTable.all`); each reads and writes its own types.
public protocol StoreTransfer: Sendable {
    /// Up to `limit` rows of `table` in primary-key order, from `offset`.
    func rows(of table: StoreTable, offset: Int, limit: Int) async throws -> [[StoreValue]]
    /// Writes rows as read from another engine, ids included (later inserts continue after the highest).
    func insert(_ rows: [[StoreValue]], into table: StoreTable) async throws
    /// Whether the tables hold no row at all: a migration never merges into existing data.
    func holdsNothing() async throws -> Bool
}

/// One cell, engine-neutral.
public enum StoreValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case date(Date)
    case boolean(Bool)
}

/// A table as both engines define it: its columns in order, with their kinds, and the primary key to page by.
public struct StoreTable: Sendable {
    public enum Kind: Sendable { case text, integer, date, boolean, json }

    public let name: String
    public let columns: [(name: String, kind: Kind)]
    public let key: String
    /// An id the engine hands out (`event`, `network_block`, `cdr`).
    public let generatedID: Bool

    public static let all: [StoreTable] = [
        StoreTable("extension", key: "number", [("number", .text), ("registration_name", .text), ("display_name", .text), ("ha1_md5", .text),
                                                ("ha1_sha256", .text), ("created_at", .date), ("updated_at", .date), ("policy", .text)]),
        StoreTable("binding", key: "aor, contact", [("aor", .text), ("contact", .text), ("expires_at", .date), ("call_id", .text), ("cseq", .integer),
                                                    ("source", .text), ("transport", .text), ("user_agent", .text), ("updated_at", .date),
                                                    ("node", .text)]),
        StoreTable("event", key: "id", generatedID: true, [("id", .integer), ("time", .date), ("name", .text), ("category", .text), ("level", .text),
                                                          ("fields", .json), ("read", .boolean)]),
        StoreTable("api_token", key: "id", [("id", .text), ("name", .text), ("secret_hash", .text), ("username", .text), ("created_at", .date),
                                            ("expires_at", .date), ("last_used_at", .date)]),
        StoreTable("admin_user", key: "username", [("username", .text), ("password_hash", .text), ("role", .text), ("created_at", .date),
                                                   ("name", .text), ("email", .text), ("mobile", .text), ("extension", .text),
                                                   ("two_factor_required", .boolean), ("two_factor", .text), ("password_changed_at", .date),
                                                   ("source", .text)]),
        StoreTable("session", key: "id", [("id", .text), ("secret_hash", .text), ("csrf_hash", .text), ("username", .text), ("created_at", .date),
                                          ("last_seen_at", .date), ("expires_at", .date), ("address", .text), ("user_agent", .text), ("method", .text)]),
        StoreTable("login_link", key: "secret_hash", [("secret_hash", .text), ("username", .text), ("created_at", .date), ("expires_at", .date)]),
        StoreTable("setting", key: "key", [("key", .text), ("value", .text)]),
        StoreTable("network_block", key: "id", generatedID: true, [
            ("id", .integer), ("source", .text), ("defense_type", .text), ("block_type", .text), ("service", .text), ("account", .text),
            ("protocol", .text), ("port", .integer), ("attacked_at", .date), ("rule", .text), ("note", .text), ("created_at", .date),
            ("expires_at", .date), ("hits", .integer), ("offense", .integer),
        ]),
        StoreTable("cdr", key: "id", generatedID: true, [
            ("id", .integer), ("call_id", .text), ("caller", .text), ("callee", .text), ("dialed", .text), ("sent", .text), ("route", .text),
            ("trunk", .text), ("start", .date), ("answer", .date), ("end", .date), ("disposition", .text), ("hangup_side", .text),
            ("cause", .text), ("decision", .text), ("decision_reason", .text), ("pin", .text), ("packets_from_caller", .integer),
            ("packets_from_callee", .integer), ("node", .text),
        ]),
    ]

    init(_ name: String, key: String, generatedID: Bool = false, _ columns: [(String, Kind)]) {
        self.name = name
        self.key = key
        self.generatedID = generatedID
        self.columns = columns.map { (name: $0.0, kind: $0.1) }
    }

    /// The columns, each quoted (`end` is a keyword).
    public var columnList: String { columns.map { "\"\($0.name)\"" }.joined(separator: ", ") }
}

/// Copies every table from one store to another that holds nothing, in pages; reports rows per table.
public enum StoreCopy {
    public static let pageSize = 1_000

    public static func copy(from source: any StoreTransfer, to target: any StoreTransfer,
                            progress: (String, Int) -> Void = { _, _ in }) async throws -> [String: Int] {
        guard try await target.holdsNothing() else {
            throw StoreError.alreadyExists("data in the target store: a migration only fills an empty one")
        }
        var copied: [String: Int] = [:]
        for table in StoreTable.all {
            var offset = 0
            while true {
                let rows = try await source.rows(of: table, offset: offset, limit: pageSize)
                if rows.isEmpty { break }
                try await target.insert(rows, into: table)
                offset += rows.count
                progress(table.name, offset)
            }
            copied[table.name] = offset
        }
        return copied
    }
}
