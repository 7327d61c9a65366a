import GeoIP

/// Address ranges with a value each, IPv4 and IPv6 kept apart as flat sorted intervals: a lookup is one indexed
/// binary search. Built either from CIDR blocks (which nest or are disjoint; the most specific wins) or by
/// priority (the lowest value among the ranges covering an address wins).
struct RangeTable: Sendable {
    private var v4 = SortedIntervals<UInt32, Int32>()
    private var v6 = SortedIntervals<UInt128, Int32>()

    init() {}

    /// The most specific network covering an address gives its value.
    init(_ networks: [(network: IPNetwork, value: Int32)]) {
        v4 = RangeTable.nested(networks.compactMap { entry in entry.network.v4Bounds.map { ($0, entry.value) } })
        v6 = RangeTable.nested(networks.compactMap { entry in entry.network.v6Bounds.map { ($0, entry.value) } })
    }

    /// The smallest value among the networks covering an address wins: "first matching rule" for rules in priority order.
    init(priority networks: [(network: IPNetwork, value: Int32)]) {
        v4 = RangeTable.prioritized(networks.compactMap { entry in entry.network.v4Bounds.map { ($0, entry.value) } })
        v6 = RangeTable.prioritized(networks.compactMap { entry in entry.network.v6Bounds.map { ($0, entry.value) } })
    }

    init(v4: SortedIntervals<UInt32, Int32>, v6: SortedIntervals<UInt128, Int32>) {
        self.v4 = v4
        self.v6 = v6
    }

    var count: Int { v4.count + v6.count }

    /// Both tables laid over each other (see `SortedIntervals.overlay`), per family.
    func overlay(_ other: RangeTable, _ combine: (Int32?, Int32?) -> Int32?) -> RangeTable {
        RangeTable(v4: v4.overlay(other.v4, combine), v6: v6.overlay(other.v6, combine))
    }
    var isEmpty: Bool { v4.isEmpty && v6.isEmpty }

    func value(for address: IPAddress) -> Int32? {
        switch address {
        case .v4(let value): v4.isEmpty ? nil : v4.value(for: value)
        case .v6(let high, let low): v6.isEmpty ? nil : v6.value(for: UInt128(high) << 64 | UInt128(low))
        }
    }

    /// Outer blocks sort before the blocks they contain; a stack holds the blocks still open at the cursor.
    private static func nested<Key>(_ ranges: [(bounds: ClosedRange<Key>, value: Int32)]) -> SortedIntervals<Key, Int32> {
        let sorted = ranges.sorted { $0.bounds.lowerBound != $1.bounds.lowerBound
            ? $0.bounds.lowerBound < $1.bounds.lowerBound : $0.bounds.upperBound > $1.bounds.upperBound }
        var builder = IntervalBuilder<Key>()
        var open: [(bounds: ClosedRange<Key>, value: Int32)] = []
        for range in sorted {
            while let top = open.last, top.bounds.upperBound < range.bounds.lowerBound {
                builder.emit(upTo: top.bounds.upperBound, value: top.value)
                open.removeLast()
            }
            if let top = open.last, range.bounds.lowerBound > 0 { builder.emit(upTo: range.bounds.lowerBound - 1, value: top.value) }
            builder.skip(to: range.bounds.lowerBound)
            open.append(range)
        }
        while let top = open.popLast() { builder.emit(upTo: top.bounds.upperBound, value: top.value) }
        return builder.intervals
    }

    /// Cuts the key space at every range boundary and gives each piece the smallest covering value.
    private static func prioritized<Key>(_ ranges: [(bounds: ClosedRange<Key>, value: Int32)]) -> SortedIntervals<Key, Int32> {
        var cuts = Set<Key>()
        for range in ranges {
            cuts.insert(range.bounds.lowerBound)
            if range.bounds.upperBound < .max { cuts.insert(range.bounds.upperBound + 1) }
        }
        let points = cuts.sorted()
        var builder = IntervalBuilder<Key>()
        for (index, start) in points.enumerated() {
            let end = index + 1 < points.count ? points[index + 1] - 1 : Key.max
            guard let best = ranges.filter({ $0.bounds.contains(start) }).map(\.value).min() else { continue }
            builder.skip(to: start)
            builder.emit(upTo: end, value: best)
        }
        return builder.intervals
    }
}

/// Walks the key space left to right for the two builds above: `skip` moves past keys no range covers, `emit`
/// gives the keys up to `high` a value.
private struct IntervalBuilder<Key: FixedWidthInteger & UnsignedInteger & Sendable> {
    private var builder = SortedIntervalsBuilder<Key, Int32>()
    private var cursor: Key = 0
    private var exhausted = false

    mutating func skip(to key: Key) {
        if !exhausted { cursor = max(cursor, key) }
    }

    mutating func emit(upTo high: Key, value: Int32) {
        guard !exhausted, cursor <= high else { return }
        builder.append(cursor, high, value)
        if high == .max { exhausted = true } else { cursor = high + 1 }
    }

    var intervals: SortedIntervals<Key, Int32> { builder.intervals }
}

extension IPNetwork {
    var v4Bounds: ClosedRange<UInt32>? {
        guard case .v4(let low) = address else { return nil }
        return low...(low | (prefixLength == 0 ? .max : ~(UInt32.max << (32 - prefixLength))))
    }

    var v6Bounds: ClosedRange<UInt128>? {
        guard case .v6 = address else { return nil }
        let low = address.v6Value
        return low...(low | (prefixLength == 0 ? .max : ~(UInt128.max << (128 - prefixLength))))
    }
}
