/// Sorted, disjoint intervals of integer keys with a value each. A lookup is a binary search narrowed first by an
/// index on the key's top 16 bits, and each interval keeps its bounds and value side by side, so with hundreds of
/// thousands of intervals a lookup touches two or three cache lines instead of twenty.
/// Inlinable so that callers in other modules get it specialized for their key and value types.
public struct SortedIntervals<Key: FixedWidthInteger & UnsignedInteger & Sendable, Value: Sendable>: Sendable {
    @usableFromInline struct Interval: Sendable {
        @usableFromInline let low: Key
        @usableFromInline let high: Key
        @usableFromInline let value: Value

        @usableFromInline init(low: Key, high: Key, value: Value) {
            self.low = low
            self.high = high
            self.value = value
        }
    }

    @usableFromInline var intervals: [Interval] = []
    /// `buckets[b]` is the first interval whose high reaches the start of bucket b; empty for small tables.
    @usableFromInline var buckets: [Int32] = []

    @inlinable static var bucketShift: Key { Key(Key.bitWidth - 16) }
    /// Below this many intervals a plain binary search stays in a few cache lines anyway.
    static var indexThreshold: Int { 1_024 }

    public init() {}

    /// `lows` ascending, each interval ending before the next begins.
    public init(lows: [Key], highs: [Key], values: [Value]) {
        precondition(lows.count == highs.count && highs.count == values.count)
        intervals = lows.indices.map { Interval(low: lows[$0], high: highs[$0], value: values[$0]) }
        guard intervals.count >= SortedIntervals.indexThreshold else { return }
        buckets = [Int32](repeating: Int32(intervals.count), count: 65_537)
        var interval = 0
        for bucket in 0..<65_536 {
            let start = Key(bucket) << SortedIntervals.bucketShift
            while interval < intervals.count && intervals[interval].high < start { interval += 1 }
            buckets[bucket] = Int32(interval)
        }
    }

    @inlinable public var count: Int { intervals.count }
    @inlinable public var isEmpty: Bool { intervals.isEmpty }

    @inlinable public func value(for key: Key) -> Value? {
        var low = 0
        var high = intervals.count
        if !buckets.isEmpty {
            let bucket = Int(key >> SortedIntervals.bucketShift)
            low = Int(buckets[bucket])
            high = min(Int(buckets[bucket + 1]) + 1, intervals.count)
        }
        while low < high {
            let middle = (low &+ high) >> 1
            if intervals[middle].high < key { low = middle + 1 } else { high = middle }
        }
        guard low < intervals.count, intervals[low].low <= key else { return nil }
        return intervals[low].value
    }

    /// The intervals whose transformed value is not nil, neighbours with equal values merged: e.g. a country table
    /// turned into "allowed" ranges, a fraction of the size.
    public func compacted<T: Equatable & Sendable>(_ transform: (Value) -> T?) -> SortedIntervals<Key, T> {
        var builder = SortedIntervalsBuilder<Key, T>()
        for interval in intervals {
            if let value = transform(interval.value) { builder.append(interval.low, interval.high, value) }
        }
        return builder.intervals
    }

    /// Both tables laid over each other: each stretch of keys where neither changes gets `combine` of the two values
    /// found there (nil where a table has none); stretches where `combine` gives nil are left out. Linear in both.
    public func overlay<Other: Sendable, Result: Equatable & Sendable>(
        _ other: SortedIntervals<Key, Other>, _ combine: (Value?, Other?) -> Result?
    ) -> SortedIntervals<Key, Result> {
        var builder = SortedIntervalsBuilder<Key, Result>()
        var first = 0, second = 0
        var cursor: Key = 0
        while true {
            while first < intervals.count && intervals[first].high < cursor { first += 1 }
            while second < other.intervals.count && other.intervals[second].high < cursor { second += 1 }
            var end = Key.max
            var mine: Value?, theirs: Other?
            if first < intervals.count {
                let interval = intervals[first]
                if interval.low <= cursor { mine = interval.value; end = min(end, interval.high) } else { end = min(end, interval.low - 1) }
            }
            if second < other.intervals.count {
                let interval = other.intervals[second]
                if interval.low <= cursor { theirs = interval.value; end = min(end, interval.high) } else { end = min(end, interval.low - 1) }
            }
            if let value = combine(mine, theirs) { builder.append(cursor, end, value) }
            if end == Key.max || (first >= intervals.count && second >= other.intervals.count) { break }
            cursor = end + 1
        }
        return builder.intervals
    }
}
