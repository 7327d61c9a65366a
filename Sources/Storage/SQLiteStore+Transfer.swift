import Foundation
import GRDB

extension SQLiteStore: StoreTransfer {
    public func rows(of table: StoreTable, offset: Int, limit: Int) async throws -> [[StoreValue]] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(table.columnList) FROM \(table.name) ORDER BY \(table.key) LIMIT ? OFFSET ?",
                             arguments: [limit, offset]).map { row in
                try table.columns.indices.map { index in try Self.value(row[index] as DatabaseValue, table.columns[index].kind, table) }
            }
        }
    }

    public func insert(_ rows: [[StoreValue]], into table: StoreTable) async throws {
        let placeholders = Array(repeating: "?", count: table.columns.count).joined(separator: ", ")
        try await write { db in
            let statement = try db.cachedStatement(sql: "INSERT INTO \(table.name) (\(table.columnList)) VALUES (\(placeholders))")
            for row in rows {
                try statement.execute(arguments: StatementArguments(row.map(Self.databaseValue)))
            }
        }
    }

    public func holdsNothing() async throws -> Bool {
        try await read { db in
            try StoreTable.all.allSatisfy { table in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM \(table.name) LIMIT 1)") == 0 }
        }
    }

    private static func value(_ stored: DatabaseValue, _ kind: StoreTable.Kind, _ table: StoreTable) throws -> StoreValue {
        if stored.isNull { return .null }
        let converted: StoreValue? = switch kind {
        case .text, .json: String.fromDatabaseValue(stored).map(StoreValue.text)
        case .integer: Int64.fromDatabaseValue(stored).map(StoreValue.integer)
        case .date: Date.fromDatabaseValue(stored).map(StoreValue.date)
        case .boolean: Bool.fromDatabaseValue(stored).map(StoreValue.boolean)
        }
        guard let converted else { throw StoreError.unreadable("a value in table \(table.name) (\(stored))") }
        return converted
    }

    private static func databaseValue(_ value: StoreValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let number): number.databaseValue
        case .text(let text): text.databaseValue
        case .date(let date): date.databaseValue
        case .boolean(let flag): flag.databaseValue
        }
    }
}
