import Foundation

/// The router's two clocks: wall-clock time for records and time conditions, monotonic time for transaction timers.
/// Tests give the call state machine a clock of their own.
public struct CallClock: Sendable {
    public let now: @Sendable () -> Date
    public let elapsed: @Sendable () -> Duration

    /// The system's clocks, `elapsed` counted from now.
    public init() {
        let start = ContinuousClock.now
        self.init(now: { Date() }, elapsed: { ContinuousClock.now - start })
    }

    public init(now: @escaping @Sendable () -> Date, elapsed: @escaping @Sendable () -> Duration) {
        self.now = now
        self.elapsed = elapsed
    }
}
