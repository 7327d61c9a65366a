/// A named kind of event from the catalogue: what happened, what it is about, how serious it is by default and
/// whether it is sent to notification contacts by default. Operators change the level and the switch per event
/// (`EventSettings`); the name never changes.
public struct EventKind: Sendable, Hashable, Codable {
    /// The seed's four event types, as the event log and the notification rules group them.
    public enum EventType: String, Sendable, Codable, CaseIterable {
        case operations, telephony, system, security
    }

    /// The defense layer an event belongs to, as the dashboard counts them (`system` for none).
    public enum Category: String, Sendable, Codable, CaseIterable {
        case system, registration, network, login, call
    }

    public enum Level: String, Sendable, Codable, CaseIterable, Comparable {
        case information, warning, alert

        public static func < (lhs: Level, rhs: Level) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public let name: String
    public let type: EventType
    public let category: Category
    public var level: Level
    /// Sent to notification contacts unless switched off.
    public let notifies: Bool
    /// One line saying what happened, a mustache template over the event's fields (`{{ip}}`, `{{account}}`...).
    public let summary: String

    public init(name: String, type: EventType, category: Category, level: Level, notifies: Bool? = nil, summary: String) {
        self.name = name
        self.type = type
        self.category = category
        self.level = level
        self.notifies = notifies ?? (level != .information)
        self.summary = summary
    }
}
