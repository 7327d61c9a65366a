/// The RFC 3261 timer base values (section 17 and table 4). Times are offsets on a monotonic clock the caller owns,
/// so state machines can be driven by a fake clock in tests.
public struct TransactionTimers: Sendable, Equatable {
    /// Round-trip estimate.
    public var t1: Duration = .milliseconds(500)
    /// Longest retransmit interval for non-INVITE requests and INVITE responses.
    public var t2: Duration = .seconds(4)
    /// Longest time a message stays in the network.
    public var t4: Duration = .seconds(5)

    public init(t1: Duration = .milliseconds(500), t2: Duration = .seconds(4), t4: Duration = .seconds(5)) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
    }

    /// 64*T1: Timers B, F, H and J.
    public var transactionTimeout: Duration { t1 * 64 }
}

/// A named deadline; the owner fires it by calling `timerFired` at or after `deadline`.
public struct TransactionTimer: Sendable, Equatable {
    public enum Name: String, Sendable {
        case a = "A", b = "B", d = "D", e = "E", f = "F", g = "G", h = "H", i = "I", j = "J", k = "K"
    }

    public let name: Name
    public let deadline: Duration

    public init(name: Name, deadline: Duration) {
        self.name = name
        self.deadline = deadline
    }
}

/// What a transaction asks its owner to do.
public enum TransactionAction: Sendable, Equatable {
    /// Hand the request or response to the transaction user (the registrar, the call router).
    case passToUser
    /// Send (or resend) the current request or response.
    case transmit
    /// Send an ACK for a non-2xx final response (client INVITE).
    case sendAck
    case timeout
    case terminate
}
