/// RFC 3261 section 17.1.2: retransmits the request (Timer E) until a response, gives up at Timer F, then absorbs
/// response retransmissions for Timer K.
public struct ClientNonInviteTransaction: Sendable, Equatable {
    public enum State: Sendable, Equatable { case trying, proceeding, completed, terminated }

    public private(set) var state: State = .trying
    public private(set) var timers: [TransactionTimer] = []
    public let reliable: Bool
    private let config: TransactionTimers
    private var retransmitInterval: Duration

    /// Starts the transaction at `now`; the owner sends the request once.
    public init(reliable: Bool, now: Duration, timers config: TransactionTimers = TransactionTimers()) {
        self.reliable = reliable
        self.config = config
        retransmitInterval = config.t1
        timers = [TransactionTimer(name: .f, deadline: now + config.transactionTimeout)]
        if !reliable { timers.append(TransactionTimer(name: .e, deadline: now + config.t1)) }
    }

    public mutating func responseReceived(statusCode: Int, now: Duration) -> [TransactionAction] {
        switch state {
        case .trying, .proceeding:
            if statusCode < 200 {
                state = .proceeding
                return [.passToUser]
            }
            state = .completed
            timers = reliable ? [] : [TransactionTimer(name: .k, deadline: now + config.t4)]
            if reliable {
                state = .terminated
                return [.passToUser, .terminate]
            }
            return [.passToUser]
        case .completed, .terminated:
            return []
        }
    }

    public mutating func timerFired(_ name: TransactionTimer.Name, now: Duration) -> [TransactionAction] {
        switch (state, name) {
        case (.trying, .e), (.proceeding, .e):
            retransmitInterval = state == .proceeding ? config.t2 : min(retransmitInterval * 2, config.t2)
            timers.removeAll { $0.name == .e }
            timers.append(TransactionTimer(name: .e, deadline: now + retransmitInterval))
            return [.transmit]
        case (.trying, .f), (.proceeding, .f):
            state = .terminated
            timers = []
            return [.timeout, .terminate]
        case (.completed, .k):
            state = .terminated
            timers = []
            return [.terminate]
        default:
            return []
        }
    }
}
