import GRDB

/// A `ListFilter` in SQLite's dialect: the WHERE clause, and its arguments in the order of its `?`s.
struct SQLFilter {
    let whereClause: String
    let arguments: StatementArguments

    init(_ filter: ListFilter) {
        var clauses: [String] = []
        var values: [any DatabaseValueConvertible] = []
        for condition in filter.conditions {
            switch condition {
            case .compare(let clause, let value):
                clauses.append(clause)
                let bound: any DatabaseValueConvertible = switch value {
                case .text(let text): text
                case .time(let time): time
                case .flag(let flag): flag
                }
                values += Array(repeating: bound, count: clause.count { $0 == "?" })
            case .oneOf(let column, let list):
                clauses.append("\(column) IN (\(list.map { _ in "?" }.joined(separator: ",")))")
                values += list as [any DatabaseValueConvertible]
            case .contains(let columns, let pattern):
                clauses.append("(" + columns.map { "\($0) LIKE ? ESCAPE '\\'" }.joined(separator: " OR ") + ")")
                values += Array(repeating: pattern, count: columns.count) as [any DatabaseValueConvertible]
            }
        }
        whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        arguments = StatementArguments(values)
    }
}
