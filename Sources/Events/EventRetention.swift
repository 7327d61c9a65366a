import Foundation
import Model

/// How much of the event log is kept, part of the `events:` section. Security events (attacks and what the
/// defenses did) are kept longest: the record an investigation needs. Past `maxEvents` the oldest other events go
/// first, then the oldest security ones, so a flood of routine events cannot push out the evidence.
public struct EventRetention: StrictCodable, Equatable {
    public var maxAgeDays = 90
    public var securityMaxAgeDays = 365
    public var maxEvents = 1_000_000

    public init() {}

    public static let fields: [StrictField<EventRetention>] = [
        .init("maxAgeDays", \.maxAgeDays), .init("securityMaxAgeDays", \.securityMaxAgeDays), .init("maxEvents", \.maxEvents),
    ]

    public var problems: [String] {
        var problems: [String] = []
        problems.check(maxAgeDays, 1...3_650, "events.retention.maxAgeDays", " days")
        problems.check(securityMaxAgeDays, min(max(maxAgeDays, 1), 3_650)...3_650, "events.retention.securityMaxAgeDays", " days (not less than maxAgeDays)")
        problems.check(maxEvents, 1_000...100_000_000, "events.retention.maxEvents")
        return problems
    }

    /// The store's pruning for this retention at `now`.
    public func plan(now: Date) -> EventPruning {
        EventPruning(before: now.addingTimeInterval(-Double(maxAgeDays) * 86_400),
                     securityBefore: now.addingTimeInterval(-Double(securityMaxAgeDays) * 86_400), keeping: maxEvents,
                     security: EventCatalogue.all.filter { $0.type == .security }.map(\.name))
    }
}
