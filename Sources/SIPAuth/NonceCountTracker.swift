/// Remembers the highest nonce-count seen per nonce, so a captured request cannot be replayed (RFC 7616 section 3.4).
/// Bounded: when full, the oldest nonces are forgotten, and a forgotten nonce is treated as stale, never as fresh.
public struct NonceCountTracker: Sendable {
    private struct Entry {
        var highest: UInt32
        var issuedAt: UInt64
    }

    private var entries: [String: Entry] = [:]
    public let capacity: Int
    public let lifetime: UInt64

    public init(capacity: Int = 100_000, lifetime: UInt64 = 300) {
        self.capacity = max(1, capacity)
        self.lifetime = lifetime
    }

    public var count: Int { entries.count }

    /// Records `nonceCount` for `nonce`; false when it is not above every count seen before for that nonce.
    public mutating func accept(nonce: String, nonceCount: UInt32, issuedAt: UInt64, now: UInt64) -> Bool {
        if var entry = entries[nonce] {
            guard nonceCount > entry.highest else { return false }
            entry.highest = nonceCount
            entries[nonce] = entry
            return true
        }
        // A nonce we have no record of may only start at 1; higher counts mean we forgot it.
        guard nonceCount == 1 else { return false }
        if entries.count >= capacity { evict(now: now) }
        entries[nonce] = Entry(highest: nonceCount, issuedAt: issuedAt)
        return true
    }

    private mutating func evict(now: UInt64) {
        entries = entries.filter { now - min(now, $0.value.issuedAt) <= lifetime }
        guard entries.count >= capacity else { return }
        let keep = entries.sorted { $0.value.issuedAt > $1.value.issuedAt }.prefix(capacity / 2)
        entries = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}
