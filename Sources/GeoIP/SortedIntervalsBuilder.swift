/// Collects disjoint intervals in ascending order, extending the last one when the next continues it with an equal
/// value, so compiled tables stay as small as their content allows.
public struct SortedIntervalsBuilder<Key: FixedWidthInteger & UnsignedInteger & Sendable, Value: Equatable & Sendable> {
    private var lows: [Key] = []
    private var highs: [Key] = []
    private var values: [Value] = []

    public init() {}

    /// `low` must lie after the last interval appended.
    public mutating func append(_ low: Key, _ high: Key, _ value: Value) {
        if let last = highs.last, last &+ 1 == low, values.last == value {
            highs[highs.count - 1] = high
        } else {
            lows.append(low)
            highs.append(high)
            values.append(value)
        }
    }

    public var intervals: SortedIntervals<Key, Value> { SortedIntervals(lows: lows, highs: highs, values: values) }
}
