import DequeModule
import SIPCore

/// Identifies a server transaction by the RFC 3261 section 17.2.3 rule: top Via branch, sent-by and method
/// (ACK and CANCEL are matched to their INVITE by the caller). Host and port are kept apart: formatting them into one
/// sent-by string cost every request a string built only to be hashed.
public struct ServerTransactionKey: Hashable, Sendable {
    public let branch: String
    public let host: String
    public let port: Int
    public let method: SIPMethod

    public init(via: Via, method: SIPMethod) {
        branch = via.branch ?? ""
        host = via.host
        port = via.port ?? 5060
        self.method = method
    }
}

/// Open non-INVITE server transactions with their last response, so a retransmitted request is answered from
/// memory instead of being processed twice. Bounded: when full, new requests are still served, just not remembered.
public struct ServerTransactionTable: Sendable {
    public enum Lookup: Equatable, Sendable {
        case new
        /// Retransmission; resend these bytes if there are any (none while the user is still working).
        case retransmission([UInt8]?)
    }

    private struct Entry: Sendable {
        var transaction: ServerNonInviteTransaction
        var lastResponse: [UInt8]?
    }

    private typealias Entries = ShardedDictionary<ServerTransactionKey, Entry>
    /// Each call hashes its key once (`Entries.Hashed`) for all it does with it: the lookup, the insert or update,
    /// and the Timer J queue, whose expiry then hashes nothing.
    private var entries: Entries
    /// Completed transactions in the order their Timer J fires: every Timer J has the same length, so insertion
    /// order is deadline order and expiry costs only what expires, never a scan of the table. Its room for the whole
    /// table is taken at once (pages the kernel maps only as they are written): a deque that grows copies every entry,
    /// and at 100,000 entries that held the SIP loop for several milliseconds.
    private var expiryQueue: Deque<(deadline: Duration, key: Entries.Hashed)>
    public let capacity: Int
    /// Timer J's length, computed once for every transaction the table makes.
    private let timeout: Duration

    public init(capacity: Int = 200_000, timers: TransactionTimers = TransactionTimers()) {
        self.capacity = capacity
        timeout = timers.transactionTimeout
        entries = Entries(minimumCapacity: min(capacity, 1 << 16))
        expiryQueue = Deque(minimumCapacity: capacity)
    }

    public var count: Int { entries.count }

    public mutating func receive(_ key: ServerTransactionKey, reliable: Bool) -> Lookup {
        let hashed = Entries.Hashed(key)
        if var entry = entries[hashed] {
            let actions = entry.transaction.requestRetransmitted()
            entries[hashed] = entry
            return .retransmission(actions.contains(.transmit) ? entry.lastResponse : nil)
        }
        if entries.count < capacity {
            entries[hashed] = Entry(transaction: ServerNonInviteTransaction(reliable: reliable, timeout: timeout))
        }
        return .new
    }

    /// Records the response the user sent; a final one starts Timer J (or ends a reliable transaction).
    public mutating func responded(_ key: ServerTransactionKey, bytes: [UInt8], final: Bool, now: Duration) {
        let hashed = Entries.Hashed(key)
        guard var entry = entries[hashed] else { return }
        let actions = entry.transaction.send(final: final, now: now)
        if actions.contains(.terminate) {
            entries[hashed] = nil
            return
        }
        entry.lastResponse = bytes
        entries[hashed] = entry
        if let deadline = entry.transaction.timerJ {
            expiryQueue.append((deadline, hashed))
        }
        // Each answer also ends up to two due transactions, so under load expiry keeps pace in small steps. Left to
        // the once-a-second sweep, 24,000 expiries at 12,000 REGISTER/s held the SIP loop in one piece.
        expire(now: now, atMost: 2)
    }

    /// Fires due Timer Js, at most `atMost` of them; returns how many transactions ended.
    @discardableResult
    public mutating func expire(now: Duration, atMost limit: Int = .max) -> Int {
        var ended = 0, fired = 0
        while fired < limit, let (deadline, key) = expiryQueue.first, deadline <= now {
            fired += 1
            expiryQueue.removeFirst()
            // The key may have been reused by a newer transaction with a later Timer J: leave that one alone.
            guard var entry = entries[key], let deadline = entry.transaction.timerJ, deadline <= now else {
                continue
            }
            if entry.transaction.timerFired(.j, now: now).contains(.terminate) {
                entries[key] = nil
                ended += 1
            }
        }
        return ended
    }
}
