import Foundation

/// How much of the event log is kept: events older than `maxAge` go, and past `maxEvents` the oldest go, so a
/// flood of events cannot fill the disk. Applied at start and then every `interval`.
public struct EventRetention: Sendable, Equatable {
    public var maxAge: TimeInterval = 90 * 86_400
    public var maxEvents = 1_000_000
    public var interval: Duration = .seconds(3_600)

    public init() {}
}
