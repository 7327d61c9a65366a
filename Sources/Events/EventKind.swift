/// A named kind of event from the catalogue: what happened, which area it belongs to, how serious it is.
public struct EventKind: Sendable, Hashable, Codable {
    public enum Category: String, Sendable, Codable, CaseIterable {
        case system, registration, network, login, call
    }

    public enum Level: String, Sendable, Codable, CaseIterable {
        case info, notice, warning, alert
    }

    public let name: String
    public let category: Category
    public let level: Level

    public init(name: String, category: Category, level: Level) {
        self.name = name
        self.category = category
        self.level = level
    }
}
