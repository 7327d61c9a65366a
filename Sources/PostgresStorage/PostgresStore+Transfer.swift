import Foundation
import PostgresNIO
import Storage

extension PostgresStore: StoreTransfer {
    public func rows(of table: StoreTable, offset: Int, limit: Int) async throws -> [[StoreValue]] {
        let columns = table.columns.map { $0.kind == .json ? "\"\($0.name)\"::text" : "\"\($0.name)\"" }.joined(separator: ", ")
        let sql = "SELECT \(columns) FROM \(table.name) ORDER BY \(table.key) LIMIT \(limit) OFFSET \(offset)"
        return try await rows(PostgresQuery(unsafeSQL: sql)).map { row in
            try table.columns.indices.map { index in try Self.value(row[index], table.columns[index].kind) }
        }
    }

    public func insert(_ rows: [[StoreValue]], into table: StoreTable) async throws {
        guard !rows.isEmpty else { return }
        let placeholders = table.columns.indices.map { index in
            "$\(index + 1)" + (table.columns[index].kind == .json ? "::jsonb" : "")
        }.joined(separator: ", ")
        let overriding = table.generatedID ? " OVERRIDING SYSTEM VALUE" : ""
        let sql = "INSERT INTO \(table.name) (\(table.columnList))\(overriding) VALUES (\(placeholders))"
        try await transaction { connection in
            for row in rows {
                var bindings = PostgresBindings(capacity: row.count)
                for value in row { Self.bind(value, into: &bindings) }
                try await Self.rows(connection, PostgresQuery(unsafeSQL: sql, binds: bindings))
            }
            if table.generatedID {
                // Ids handed out after this continue above the copied ones.
                try await Self.rows(connection, PostgresQuery(unsafeSQL: """
                    SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM \(table.name)), false)
                    """))
            }
        }
    }

    public func holdsNothing() async throws -> Bool {
        for table in StoreTable.all where try await !rows(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(table.name) LIMIT 1")).isEmpty {
            return false
        }
        return true
    }

    private static func value(_ cell: PostgresCell, _ kind: StoreTable.Kind) throws -> StoreValue {
        switch kind {
        case .text, .json: try cell.decode(String?.self).map(StoreValue.text) ?? .null
        case .integer: try cell.decode(Int64?.self).map(StoreValue.integer) ?? .null
        case .date: try cell.decode(Date?.self).map(StoreValue.date) ?? .null
        case .boolean: try cell.decode(Bool?.self).map(StoreValue.boolean) ?? .null
        }
    }

    private static func bind(_ value: StoreValue, into bindings: inout PostgresBindings) {
        switch value {
        case .null: bindings.appendNull()
        case .integer(let number): bindings.append(number)
        case .text(let text): bindings.append(text)
        case .date(let date): bindings.append(date)
        case .boolean(let flag): bindings.append(flag)
        }
    }
}
