/// Failures per key in fixed windows, bounded: when full, finished windows go first, then anything, so a flood of
/// sources or names cannot grow it. Pure state; the caller passes the time in seconds.
public struct FailureCounters<Key: Hashable & Sendable>: Sendable {
    struct Counter: Sendable {
        var start: Int64
        var count: Int
    }

    public let capacity: Int
    private var table: [Key: Counter] = [:]

    public init(capacity: Int) { self.capacity = capacity }

    /// Counts one more failure for `key` and returns its count in the current window (which restarts once passed).
    public mutating func add(_ key: Key, now: Int64, window: Int64) -> Int {
        if table[key] == nil, table.count >= capacity {
            table = table.filter { now - $0.value.start < window }
            if table.count >= capacity { table.remove(at: table.startIndex) }
        }
        var counter = table[key, default: Counter(start: now, count: 0)]
        if now - counter.start >= window { counter = Counter(start: now, count: 0) }
        counter.count += 1
        table[key] = counter
        return counter.count
    }

    public mutating func reset(_ key: Key) { table[key] = nil }
}

/// Keys held until a time, bounded like `FailureCounters` (expired entries go first).
public struct Deadlines<Key: Hashable & Sendable>: Sendable {
    public let capacity: Int
    private var until: [Key: Int64] = [:]

    public init(capacity: Int) { self.capacity = capacity }

    public mutating func hold(_ key: Key, until end: Int64, now: Int64) {
        if until[key] == nil, until.count >= capacity {
            until = until.filter { $0.value > now }
            if until.count >= capacity { until.remove(at: until.startIndex) }
        }
        until[key] = end
    }

    public func isHeld(_ key: Key, now: Int64) -> Bool { (until[key] ?? .min) > now }

    public func end(_ key: Key) -> Int64? { until[key] }

    public mutating func release(_ key: Key) { until[key] = nil }
}
