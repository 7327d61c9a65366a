/// Remembers the highest nonce-count seen per nonce and user, so a captured request cannot be replayed (RFC 7616
/// section 3.4). Bounded: when full, the oldest nonces are forgotten and the horizon moves past them; a nonce the
/// tracker does not know is accepted (at nc=1) only if it was issued at or after the horizon, so a forgotten nonce, or one
/// issued before this process started, is treated as stale, never as fresh.
public struct NonceCountTracker: Sendable {
    private struct Key: Hashable {
        var nonce: String
        var user: String
    }

    private struct Entry {
        var highest: UInt32
        var issuedAt: UInt64
    }

    private var entries: [Key: Entry] = [:]
    public let capacity: Int
    public let lifetime: UInt64
    /// Nonces issued before this time may have been forgotten.
    public private(set) var horizon: UInt64

    /// `startedAt`: nonces issued before it (by an earlier run with the same key) were never tracked here.
    public init(capacity: Int = 100_000, lifetime: UInt64 = 300, startedAt: UInt64 = 0) {
        self.capacity = max(2, capacity)
        self.lifetime = lifetime
        horizon = startedAt
    }

    public var count: Int { entries.count }

    /// Records `nonceCount` for `nonce` used by `user`; false when it is not above every count seen before for them,
    /// or the tracker cannot know (a nonce issued before the horizon).
    public mutating func accept(nonce: String, user: String, nonceCount: UInt32, issuedAt: UInt64, now: UInt64) -> Bool {
        let key = Key(nonce: nonce, user: user)
        if var entry = entries[key] {
            guard nonceCount > entry.highest else { return false }
            entry.highest = nonceCount
            entries[key] = entry
            return true
        }
        guard nonceCount == 1, issuedAt >= horizon else { return false }
        if entries.count >= capacity { evict(now: now) }
        entries[key] = Entry(highest: nonceCount, issuedAt: issuedAt)
        return true
    }

    /// Drops expired nonces (the signer calls them stale anyway); if that is not enough, the older half, moving the
    /// horizon past them.
    private mutating func evict(now: UInt64) {
        entries = entries.filter { now - min(now, $0.value.issuedAt) <= lifetime }
        guard entries.count >= capacity else { return }
        let sorted = entries.sorted { $0.value.issuedAt > $1.value.issuedAt }
        let kept = sorted.prefix(capacity / 2)
        horizon = max(horizon, (sorted.dropFirst(capacity / 2).map(\.value.issuedAt).max() ?? horizon) + 1)
        entries = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
    }
}
