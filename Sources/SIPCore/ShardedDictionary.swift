/// A dictionary split by key hash into 256 smaller ones, for the large tables the SIP loop writes on every request
/// (open transactions, nonce counts). A dictionary that outgrows its storage rehashes every entry at once: one of
/// 100,000 held the event loop for about 150 ms under a REGISTER flood, every answer queued behind it. A shard grows
/// by a 256th of that, between requests.
public struct ShardedDictionary<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private var shards: [[Key: Value]]
    public private(set) var count = 0

    private static var shardCount: Int { 256 }

    /// `minimumCapacity` is spread over the shards.
    public init(minimumCapacity: Int = 0) {
        let each = minimumCapacity / Self.shardCount
        shards = (0..<Self.shardCount).map { _ in Dictionary(minimumCapacity: each) }
    }

    public subscript(key: Key) -> Value? {
        get { shards[shard(key)][key] }
        set {
            let index = shard(key)
            if let newValue {
                if shards[index].updateValue(newValue, forKey: key) == nil { count += 1 }
            } else if shards[index].removeValue(forKey: key) != nil {
                count -= 1
            }
        }
    }

    private func shard(_ key: Key) -> Int { key.hashValue & (Self.shardCount - 1) }
}
