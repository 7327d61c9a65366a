import Foundation

/// One node of a cluster as the shared store knows it: who, where, since when, its last heartbeat and its load.
public struct ClusterNode: Codable, Sendable, Equatable {
    public enum Health: String, Codable, Sendable { case alive, missing, stopped }

    public var name: String
    /// Where it serves SIP (its first listener), for people reading `cluster status`.
    public var address: String
    public var version: String
    public var startedAt: Date
    public var heartbeatAt: Date
    /// Set when it shut down in order; a node that dies never sets it and goes missing instead.
    public var stoppedAt: Date?
    public var registrations: Int
    public var calls: Int

    public init(name: String, address: String, version: String, startedAt: Date, heartbeatAt: Date, stoppedAt: Date? = nil,
                registrations: Int = 0, calls: Int = 0) {
        self.name = name
        self.address = address
        self.version = version
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.stoppedAt = stoppedAt
        self.registrations = registrations
        self.calls = calls
    }

    /// Heartbeats come every `heartbeat`; three missed ones and the node counts as missing.
    public static let heartbeat: TimeInterval = 2
    public static let missingAfter: TimeInterval = 3 * heartbeat

    public func health(at now: Date) -> Health {
        if stoppedAt != nil { return .stopped }
        return now.timeIntervalSince(heartbeatAt) > ClusterNode.missingAfter ? .missing : .alive
    }

    /// 1-32 letters, digits, '.', '_' or '-': it names the node in events and records.
    public static func nameProblem(_ name: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return (1...32).contains(name.count) && name.allSatisfy(allowed.contains) ? nil : "1-32 letters, digits, '.', '_' or '-'"
    }
}
