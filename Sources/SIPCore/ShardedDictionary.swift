/// A dictionary split by key hash into 256 smaller ones, for the large tables the SIP loop writes on every request
/// (open transactions, nonce counts). A dictionary that outgrows its storage rehashes every entry at once: one of
/// 100,000 held the event loop for about 150 ms under a REGISTER flood, every answer queued behind it. A shard grows
/// by a 256th of that, between requests. Each key is hashed once, where it picks its shard: rehashing a shard then
/// moves stored hashes instead of hashing strings again. Inlinable, so the tables' modules specialize it for their
/// keys: unspecialized, every lookup copied its key through value witnesses (10 % of a REGISTER's CPU).
public struct ShardedDictionary<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// A key with its hash, taken once; a caller that looks a key up more than once (or keeps it in a queue) holds this.
    public struct Hashed: Hashable, Sendable {
        @usableFromInline let key: Key
        @usableFromInline let hash: Int

        @inlinable
        public init(_ key: Key) {
            self.key = key
            hash = key.hashValue
        }

        @inlinable
        public static func == (lhs: Hashed, rhs: Hashed) -> Bool { lhs.hash == rhs.hash && lhs.key == rhs.key }
        @inlinable
        public func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    @usableFromInline var shards: [[Hashed: Value]]
    @usableFromInline var storedCount = 0

    public var count: Int { storedCount }

    @inlinable
    static var shardCount: Int { 256 }

    /// `minimumCapacity` is spread over the shards.
    @inlinable
    public init(minimumCapacity: Int = 0) {
        let each = minimumCapacity / Self.shardCount
        shards = (0..<Self.shardCount).map { _ in Dictionary(minimumCapacity: each) }
    }

    @inlinable
    public subscript(key: Key) -> Value? {
        get { self[Hashed(key)] }
        set { self[Hashed(key)] = newValue }
    }

    @inlinable
    public subscript(hashed: Hashed) -> Value? {
        get { shards[shard(hashed)][hashed] }
        set {
            let index = shard(hashed)
            if let newValue {
                if shards[index].updateValue(newValue, forKey: hashed) == nil { storedCount += 1 }
            } else if shards[index].removeValue(forKey: hashed) != nil {
                storedCount -= 1
            }
        }
    }

    @inlinable
    func shard(_ hashed: Hashed) -> Int { hashed.hash & (Self.shardCount - 1) }
}
