import Events
import Foundation
import Model
import Storage

/// List filters from query parameters or CLI options, parsed the same way for both.
public struct QueryParameters: Sendable {
    private let values: [String: [String]]

    public init(_ values: [String: [String]]) {
        self.values = values
    }

    public init(_ pairs: [(String, String)]) {
        values = Dictionary(grouping: pairs, by: \.0).mapValues { $0.map(\.1) }
    }

    /// Event log: `since`/`until` as ISO 8601 or relative (`15m`, `2h`, `7d`), `name` repeatable, `type`
    /// (the catalogue's names of that type), `category`, `level`, `status` (read, unread), `limit` (1-10000).
    public func events() throws(AdminError) -> EventQuery {
        var names = values["name"] ?? []
        if let text = values["type"]?.first {
            guard let type = EventKind.EventType(rawValue: text) else { throw AdminError(.invalidInput, "type must be operations, telephony, system or security") }
            let ofType = EventCatalogue.all.filter { $0.type == type }.map(\.name)
            if let other = names.first(where: { !ofType.contains($0) }) {
                throw AdminError(.invalidInput, "the event '\(other.prefix(64))' is not of type \(type.rawValue)")
            }
            if names.isEmpty { names = ofType }
        }
        if let level = values["level"]?.first, EventKind.Level(rawValue: level) == nil {
            throw AdminError(.invalidInput, "level must be information, warning or alert")
        }
        return EventQuery(since: try date("since"), until: try date("until"), names: names, category: values["category"]?.first,
                          level: values["level"]?.first, read: try status(), limit: try limit(maximum: 10_000))
    }

    /// `status`: `read` or `unread`.
    private func status() throws(AdminError) -> Bool? {
        guard let text = values["status"]?.first else { return nil }
        switch text {
        case "read": return true
        case "unread": return false
        default: throw AdminError(.invalidInput, "status must be read or unread")
        }
    }

    /// Call records: `since`/`until`, `party` (caller or callee), `disposition`, `limit` (1-100000).
    public func calls() throws(AdminError) -> CallDetailQuery {
        CallDetailQuery(since: try date("since"), until: try date("until"), party: values["party"]?.first,
                        disposition: try disposition(), limit: try limit(maximum: 100_000))
    }

    /// A page of a list: `search` (text the item contains), `offset` (0...), `limit` (1-1000; absent: everything).
    public func page() throws(AdminError) -> ListPage {
        var offset = 0
        if let text = values["offset"]?.first {
            guard let value = Int(text), value >= 0 else { throw AdminError(.invalidInput, "offset must be 0 or more") }
            offset = value
        }
        let search = values["search"]?.first.map { String($0.prefix(100)).lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        return ListPage(search: search, offset: offset, limit: values["limit"] == nil ? nil : try limit(maximum: 1_000))
    }

    private func date(_ key: String) throws(AdminError) -> Date? {
        guard let text = values[key]?.first else { return nil }
        guard let date = TimeExpression.date(text, now: Date()) else {
            throw AdminError(.invalidInput, "\(key): expected an ISO 8601 time or a duration like 15m, 2h, 7d")
        }
        return date
    }

    private func disposition() throws(AdminError) -> CallDisposition? {
        guard let text = values["disposition"]?.first else { return nil }
        guard let disposition = CallDisposition(rawValue: text) else {
            throw AdminError(.invalidInput, "disposition must be one of \(CallDisposition.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return disposition
    }

    private func limit(maximum: Int) throws(AdminError) -> Int {
        guard let text = values["limit"]?.first else { return 100 }
        guard let value = Int(text), (1...maximum).contains(value) else { throw AdminError(.invalidInput, "limit must be 1-\(maximum)") }
        return value
    }
}
