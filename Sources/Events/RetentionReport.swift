import Foundation
import Model
import Storage

/// What the event log's retention has removed: the answer to "where did last spring's events go?".
public struct RetentionReport: StoredSettings, Equatable {
    public static let storeKey = "events.retention.report"

    public var lastRun: Date?
    public var lastRemoved = 0
    public var totalRemoved = 0

    public init() {}

    public static let fields: [StrictField<RetentionReport>] = [
        .init("lastRun", \.lastRun), .init("lastRemoved", \.lastRemoved), .init("totalRemoved", \.totalRemoved),
    ]

    public mutating func add(_ removed: Int, at time: Date) {
        lastRun = time
        lastRemoved = removed
        totalRemoved += removed
    }

    /// One retention pass over `store` as its `events:` section says, counted here; answers how many events went.
    public static func pass(over store: any PortcullisStore, now: Date = Date()) async throws -> Int {
        let retention = try await store.settings(EventSettings.self).retention
        let removed = try await store.pruneEvents(retention.plan(now: now))
        var report = try await store.settings(RetentionReport.self)
        report.add(removed, at: now)
        try await store.save(report)
        return removed
    }
}
