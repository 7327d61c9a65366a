import Foundation
import Storage

/// Event log filters from query parameters or CLI options, parsed the same way for both.
public enum EventQueryParameters {
    /// `since`/`until` as ISO 8601 or relative (`15m`, `2h`, `7d`), `name` repeatable, `category`, `level`, `limit`.
    public static func query(_ parameters: [String: [String]]) throws(AdminError) -> EventQuery {
        func date(_ key: String) throws(AdminError) -> Date? {
            guard let text = parameters[key]?.first else { return nil }
            guard let date = TimeExpression.date(text, now: Date()) else {
                throw AdminError(.invalidInput, "\(key): expected an ISO 8601 time or a duration like 15m, 2h, 7d")
            }
            return date
        }
        var limit = 100
        if let text = parameters["limit"]?.first {
            guard let value = Int(text), (1...10_000).contains(value) else { throw AdminError(.invalidInput, "limit must be 1-10000") }
            limit = value
        }
        return EventQuery(since: try date("since"), until: try date("until"), names: parameters["name"] ?? [],
                          category: parameters["category"]?.first, level: parameters["level"]?.first, limit: limit)
    }
}
