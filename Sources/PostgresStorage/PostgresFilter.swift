import PostgresNIO

/// The WHERE clause of a list query from optional filters, each `?` becoming the next numbered parameter.
struct PostgresFilter {
    private var clauses: [String] = []
    private(set) var bindings = PostgresBindings()

    /// Adds `clause` when `value` is present; every `?` in it takes the value.
    mutating func add<Value: PostgresDynamicTypeEncodable>(_ clause: String, _ value: Value?) {
        guard let value else { return }
        var text = ""
        for character in clause {
            if character == "?" {
                bindings.append(value)
                text += "$\(bindings.count)"
            } else {
                text.append(character)
            }
        }
        clauses.append(text)
    }

    /// `column = ANY(list)` when the list is not empty.
    mutating func add(_ column: String, in list: [String]) {
        guard !list.isEmpty else { return }
        add("\(column) = ANY(?)", list)
    }

    var whereClause: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }

    /// `sql` with the clause's parameters; `sql` numbers its own after them with `next`.
    func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: bindings) }

    /// The number the next parameter gets.
    var next: Int { bindings.count + 1 }
}
