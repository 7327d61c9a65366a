import DequeModule
import SIPCore

/// Remembers the highest nonce-count seen per nonce and user, so a captured request cannot be replayed (RFC 7616
/// section 3.4). Bounded: when full, the nonce first seen longest ago is forgotten and the horizon moves past it; a
/// nonce the tracker does not know is accepted (at nc=1) only if it was issued at or after the horizon, so a forgotten
/// nonce, or one issued before this process started, is treated as stale, never as fresh. Forgetting costs the same for
/// every request (one entry at a time, in the order first seen): halving a full table at once held the SIP loop for
/// about 100 ms.
public struct NonceCountTracker: Sendable {
    private struct Key: Hashable, Sendable {
        var nonce: String
        var user: String
    }

    private struct Entry: Sendable {
        var highest: UInt32
        var issuedAt: UInt64
    }

    private typealias Table = ShardedDictionary<Key, Entry>

    private var entries = Table()
    /// Keys in the order first seen, with room for `capacity` taken at once (as the transaction table's expiry queue
    /// does: growing would copy every key while the SIP loop waits). Hashed once: a REGISTER's fresh nonce is looked up,
    /// inserted, and later forgotten, and both strings were hashed again each time.
    private var order: Deque<Table.Hashed>
    public let capacity: Int
    public let lifetime: UInt64
    /// Nonces issued before this time may have been forgotten.
    public private(set) var horizon: UInt64

    /// `startedAt`: nonces issued before it (by an earlier run with the same key) were never tracked here.
    public init(capacity: Int = 100_000, lifetime: UInt64 = 300, startedAt: UInt64 = 0) {
        self.capacity = max(2, capacity)
        order = Deque(minimumCapacity: self.capacity)
        self.lifetime = lifetime
        horizon = startedAt
    }

    public var count: Int { entries.count }

    /// Records `nonceCount` for `nonce` used by `user`; false when it is not above every count seen before for them,
    /// or the tracker cannot know (a nonce issued before the horizon).
    public mutating func accept(nonce: String, user: String, nonceCount: UInt32, issuedAt: UInt64, now: UInt64) -> Bool {
        let key = Table.Hashed(Key(nonce: nonce, user: user))
        if var entry = entries[key] {
            guard nonceCount > entry.highest else { return false }
            entry.highest = nonceCount
            entries[key] = entry
            return true
        }
        guard nonceCount == 1, issuedAt >= horizon else { return false }
        forgetExpired(now: now)
        while entries.count >= capacity { forgetOldest() }
        entries[key] = Entry(highest: nonceCount, issuedAt: issuedAt)
        order.append(key)
        return true
    }

    /// Drops expired nonces from the front of the order (the signer calls them stale anyway).
    private mutating func forgetExpired(now: UInt64) {
        while let key = order.first, let entry = entries[key], now - min(now, entry.issuedAt) > lifetime {
            entries[key] = nil
            order.removeFirst()
        }
    }

    /// Forgets the nonce first seen longest ago, moving the horizon past it.
    private mutating func forgetOldest() {
        let key = order.removeFirst()
        if let entry = entries[key] {
            horizon = max(horizon, entry.issuedAt + 1)
            entries[key] = nil
        }
    }
}
