/// RFC 3261 section 17.2.2: absorbs request retransmissions by resending the last response, then lingers for Timer J.
public struct ServerNonInviteTransaction: Sendable, Equatable {
    public enum State: Sendable, Equatable { case trying, proceeding, completed, terminated }

    public private(set) var state: State = .trying
    public private(set) var timers: [TransactionTimer] = []
    public let reliable: Bool
    private let config: TransactionTimers

    public init(reliable: Bool, timers config: TransactionTimers = TransactionTimers()) {
        self.reliable = reliable
        self.config = config
    }

    /// A retransmission of the request arrived.
    public mutating func requestRetransmitted() -> [TransactionAction] {
        switch state {
        case .proceeding, .completed: [.transmit]
        case .trying, .terminated: []
        }
    }

    /// The transaction user sends a response; `final` for 200-699.
    public mutating func send(final: Bool, now: Duration) -> [TransactionAction] {
        guard state == .trying || state == .proceeding else { return [] }
        guard final else {
            state = .proceeding
            return [.transmit]
        }
        state = .completed
        if reliable {
            state = .terminated
            return [.transmit, .terminate]
        }
        timers = [TransactionTimer(name: .j, deadline: now + config.transactionTimeout)]
        return [.transmit]
    }

    public mutating func timerFired(_ name: TransactionTimer.Name, now: Duration) -> [TransactionAction] {
        guard name == .j, state == .completed else { return [] }
        state = .terminated
        timers = []
        return [.terminate]
    }

    public mutating func transportFailed() -> [TransactionAction] {
        state = .terminated
        timers = []
        return [.terminate]
    }
}
