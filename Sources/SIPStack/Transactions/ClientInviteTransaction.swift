/// RFC 3261 section 17.1.1: retransmits the INVITE (Timer A) until a response or Timer B, ACKs non-2xx finals
/// itself and absorbs their retransmissions for Timer D; a 2xx ends it (the dialog ACKs).
public struct ClientInviteTransaction: Sendable, Equatable {
    public enum State: Sendable, Equatable { case calling, proceeding, completed, terminated }

    public private(set) var state: State = .calling
    public private(set) var timers: [TransactionTimer] = []
    public let reliable: Bool
    private let config: TransactionTimers
    private var retransmitInterval: Duration

    /// Timer D is at least 32 s on unreliable transports.
    public static let timerD: Duration = .seconds(32)

    public init(reliable: Bool, now: Duration, timers config: TransactionTimers = TransactionTimers()) {
        self.reliable = reliable
        self.config = config
        retransmitInterval = config.t1
        timers = [TransactionTimer(name: .b, deadline: now + config.transactionTimeout)]
        if !reliable { timers.append(TransactionTimer(name: .a, deadline: now + config.t1)) }
    }

    public mutating func responseReceived(statusCode: Int, now: Duration) -> [TransactionAction] {
        switch (state, statusCode) {
        case (.calling, 100..<200), (.proceeding, 100..<200):
            state = .proceeding
            timers.removeAll { $0.name == .a || $0.name == .b }
            return [.passToUser]
        case (.calling, 200..<300), (.proceeding, 200..<300):
            state = .terminated
            timers = []
            return [.passToUser, .terminate]
        case (.calling, _), (.proceeding, _):
            state = .completed
            if reliable {
                state = .terminated
                timers = []
                return [.sendAck, .passToUser, .terminate]
            }
            timers = [TransactionTimer(name: .d, deadline: now + ClientInviteTransaction.timerD)]
            return [.sendAck, .passToUser]
        case (.completed, 300...):
            return [.sendAck]
        default:
            return []
        }
    }

    public mutating func timerFired(_ name: TransactionTimer.Name, now: Duration) -> [TransactionAction] {
        switch (state, name) {
        case (.calling, .a):
            retransmitInterval = retransmitInterval * 2
            timers.removeAll { $0.name == .a }
            timers.append(TransactionTimer(name: .a, deadline: now + retransmitInterval))
            return [.transmit]
        case (.calling, .b):
            state = .terminated
            timers = []
            return [.timeout, .terminate]
        case (.completed, .d):
            state = .terminated
            timers = []
            return [.terminate]
        default:
            return []
        }
    }
}
