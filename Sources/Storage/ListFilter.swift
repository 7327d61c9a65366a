import Foundation
import Model

/// The conditions of a list query, decided once for both stores: each filter that is set becomes a condition, so a
/// filter added to a query applies on SQLite and PostgreSQL alike. Each store writes them in its own dialect
/// (`SQLFilter`, `PostgresFilter`).
public struct ListFilter: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String)
        case time(Date)
        case flag(Bool)
    }

    public enum Condition: Sendable, Equatable {
        /// `clause` with every `?` standing for `value`.
        case compare(String, Value)
        /// `column` is one of `values` (never empty).
        case oneOf(String, [String])
        /// One of `columns` contains `pattern`, a LIKE pattern with `\` escaping, ignoring ASCII case.
        case contains([String], pattern: String)
    }

    public private(set) var conditions: [Condition] = []

    mutating func add(_ clause: String, _ value: Value?) {
        if let value { conditions.append(.compare(clause, value)) }
    }

    mutating func add(_ column: String, in values: [String]) {
        if !values.isEmpty { conditions.append(.oneOf(column, values)) }
    }

    /// `text` anywhere in one of `columns`, taken literally (its `%`, `_` and `\` match only themselves).
    mutating func add(_ columns: [String], containing text: String?) {
        guard let text, !text.isEmpty else { return }
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        conditions.append(.contains(columns, pattern: "%" + escaped + "%"))
    }
}

extension ListFilter {
    public init(_ query: EventQuery) {
        add("time >= ?", query.since.map(Value.time))
        add("time <= ?", query.until.map(Value.time))
        add("name", in: query.names)
        add("category = ?", query.category.map(Value.text))
        add("level = ?", query.level.map(Value.text))
        add("read = ?", query.read.map(Value.flag))
    }

    public init(_ query: CallDetailQuery) {
        add("start >= ?", query.since.map(Value.time))
        add("start <= ?", query.until.map(Value.time))
        add("(caller = ? OR callee = ?)", query.party.map(Value.text))
        add("disposition = ?", query.disposition.map { Value.text($0.rawValue) })
    }

    public init(_ query: NetworkBlockQuery) {
        add("source = ?", query.source.map(Value.text))
        add("defense_type = ?", query.defenseType.map(Value.text))
    }

    /// The extension list's search: the number, the display name or the registration name contains `search`.
    public init(extensionsContaining search: String?) {
        add(["number", "display_name", "registration_name"], containing: search)
    }
}
