/// RFC 3261 section 17.2.2: absorbs request retransmissions by resending the last response, then lingers for Timer J.
public struct ServerNonInviteTransaction: Sendable, Equatable {
    public enum State: Sendable, Equatable { case trying, proceeding, completed, terminated }

    public private(set) var state: State = .trying
    /// Timer J's deadline, set when a final response completes an unreliable transaction: its only timer, kept without
    /// an array, since a table holds one of these for every request answered in the last 32 s.
    public private(set) var timerJ: Duration?
    public let reliable: Bool
    /// How long a completed transaction absorbs retransmissions (64*T1).
    private let timeout: Duration

    /// `timeout` is the table's `TransactionTimers.transactionTimeout`, computed once for every transaction it makes.
    public init(reliable: Bool, timeout: Duration) {
        self.reliable = reliable
        self.timeout = timeout
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
        timerJ = now + timeout
        return [.transmit]
    }

    public mutating func timerFired(_ name: TransactionTimer.Name, now: Duration) -> [TransactionAction] {
        guard name == .j, state == .completed else { return [] }
        state = .terminated
        timerJ = nil
        return [.terminate]
    }

    public mutating func transportFailed() -> [TransactionAction] {
        state = .terminated
        timerJ = nil
        return [.terminate]
    }
}
