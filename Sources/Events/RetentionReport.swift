import Foundation
import Model

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
}
