import Foundation

/// Decides when a measured share (CPU busy, memory used, disk full) is an overload worth one event: above
/// `threshold` for at least `sustain` seconds. It then stays quiet until the share has fallen below `rearm`, so a
/// machine hovering at the threshold raises one event, not one per sample.
public struct OverloadWatch: Sendable, Equatable {
    public let threshold: Double
    public let rearm: Double
    public let sustain: TimeInterval
    private var since: Date?
    private var raised = false

    public init(threshold: Double = 0.9, rearm: Double = 0.8, sustain: TimeInterval) {
        self.threshold = threshold
        self.rearm = rearm
        self.sustain = sustain
    }

    /// True exactly when this sample makes the overload one to report.
    public mutating func sample(_ share: Double, at time: Date) -> Bool {
        if share < rearm { raised = false }
        guard share > threshold else {
            since = nil
            return false
        }
        let start = since ?? time
        since = start
        guard !raised, time.timeIntervalSince(start) >= sustain else { return false }
        raised = true
        return true
    }
}
