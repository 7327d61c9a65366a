import Model
import GRDB

/// The WHERE clause of a list query, built from optional filters with their arguments beside them.
struct SQLFilter {
    private var clauses: [String] = []
    private var values: [(any DatabaseValueConvertible)?] = []

    /// Adds `clause` (with one `?` per value) when `value` is present.
    mutating func add(_ clause: String, _ value: (any DatabaseValueConvertible)?, repeated count: Int = 1) {
        guard let value else { return }
        clauses.append(clause)
        values += Array(repeating: value, count: count)
    }

    /// `column IN (...)` when the list is not empty.
    mutating func add(_ column: String, in list: [String]) {
        guard !list.isEmpty else { return }
        clauses.append("\(column) IN (\(list.map { _ in "?" }.joined(separator: ",")))")
        values += list.map { $0 }
    }

    var whereClause: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }
    var arguments: StatementArguments { StatementArguments(values) }
}
