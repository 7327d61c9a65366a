import Foundation

/// How the pages write times and durations: one format everywhere, in UTC (the server's log time).
enum PortalFormat {
    static func time(_ date: Date?) -> String {
        guard let date else { return "never" }
        return formatter.string(from: date)
    }

    static func timeOrForever(_ date: Date?) -> String { date.map(time) ?? "permanent" }

    private static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter
    }()
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async -> T) async -> T? {
        guard let value = self else { return nil }
        return await transform(value)
    }
}
