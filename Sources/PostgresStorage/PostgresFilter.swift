import PostgresNIO
import Storage

/// A `ListFilter` in PostgreSQL's dialect: each `?` becomes the next numbered parameter.
struct PostgresFilter {
    private(set) var whereClause = ""
    private(set) var bindings = PostgresBindings()

    init(_ filter: ListFilter) {
        var clauses: [String] = []
        for condition in filter.conditions {
            switch condition {
            case .compare(let clause, .text(let text)): clauses.append(numbering(clause, text))
            case .compare(let clause, .time(let time)): clauses.append(numbering(clause, time))
            case .compare(let clause, .flag(let flag)): clauses.append(numbering(clause, flag))
            case .oneOf(let column, let list): clauses.append(numbering("\(column) = ANY(?)", list))
            case .contains(let columns, let pattern):
                // ILIKE escapes with a backslash by default, as SQLite's LIKE ... ESCAPE '\' does.
                clauses.append(numbering("(" + columns.map { "\($0) ILIKE ?" }.joined(separator: " OR ") + ")", pattern))
            }
        }
        whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
    }

    /// `clause` with every `?` taking `value` as a new parameter.
    private mutating func numbering<Value: PostgresDynamicTypeEncodable>(_ clause: String, _ value: Value) -> String {
        var text = ""
        for character in clause {
            if character == "?" {
                bindings.append(value)
                text += "$\(bindings.count)"
            } else {
                text.append(character)
            }
        }
        return text
    }

    /// `sql` with the clause's parameters; `sql` numbers its own after them with `next`.
    func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: bindings) }

    /// The number the next parameter gets.
    var next: Int { bindings.count + 1 }
}
