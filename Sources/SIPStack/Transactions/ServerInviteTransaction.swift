/// RFC 3261 section 17.2.1: retransmits a non-2xx final response (Timer G) until the ACK arrives or Timer H
/// gives up, then absorbs ACK retransmissions for Timer I.
public struct ServerInviteTransaction: Sendable, Equatable {
    public enum State: Sendable, Equatable { case proceeding, completed, confirmed, terminated }

    public private(set) var state: State = .proceeding
    public private(set) var timers: [TransactionTimer] = []
    public let reliable: Bool
    private let config: TransactionTimers
    private var retransmitInterval: Duration

    public init(reliable: Bool, timers config: TransactionTimers = TransactionTimers()) {
        self.reliable = reliable
        self.config = config
        retransmitInterval = config.t1
    }

    public mutating func requestRetransmitted() -> [TransactionAction] {
        state == .proceeding || state == .completed ? [.transmit] : []
    }

    /// The transaction user sends a response with this status code.
    public mutating func send(statusCode: Int, now: Duration) -> [TransactionAction] {
        guard state == .proceeding else { return [] }
        switch statusCode {
        case 100..<200:
            return [.transmit]
        case 200..<300:
            state = .terminated
            return [.transmit, .terminate]
        default:
            state = .completed
            timers = [TransactionTimer(name: .h, deadline: now + config.transactionTimeout)]
            if !reliable { timers.append(TransactionTimer(name: .g, deadline: now + retransmitInterval)) }
            return [.transmit]
        }
    }

    public mutating func ackReceived(now: Duration) -> [TransactionAction] {
        guard state == .completed else { return [] }
        state = .confirmed
        if reliable {
            state = .terminated
            timers = []
            return [.terminate]
        }
        timers = [TransactionTimer(name: .i, deadline: now + config.t4)]
        return []
    }

    public mutating func timerFired(_ name: TransactionTimer.Name, now: Duration) -> [TransactionAction] {
        switch (state, name) {
        case (.completed, .g):
            retransmitInterval = min(retransmitInterval * 2, config.t2)
            timers.removeAll { $0.name == .g }
            timers.append(TransactionTimer(name: .g, deadline: now + retransmitInterval))
            return [.transmit]
        case (.completed, .h):
            state = .terminated
            timers = []
            return [.timeout, .terminate]
        case (.confirmed, .i):
            state = .terminated
            timers = []
            return [.terminate]
        default:
            return []
        }
    }
}
