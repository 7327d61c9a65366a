/// Disjoint sorted address intervals, each carrying a value: a lookup is one binary search over flat integers.
/// Built from CIDR blocks, which either nest or are disjoint; where they nest the most specific one wins.
struct RangeTable: Sendable {
    private var lows: [UInt128] = []
    private var highs: [UInt128] = []
    private var values: [Int32] = []

    init() {}

    init(_ ranges: [(bounds: ClosedRange<UInt128>, value: Int32)]) {
        // Outer blocks sort before the blocks they contain; a stack holds the blocks still open at the cursor.
        let sorted = ranges.sorted { $0.bounds.lowerBound != $1.bounds.lowerBound
            ? $0.bounds.lowerBound < $1.bounds.lowerBound : $0.bounds.upperBound > $1.bounds.upperBound }
        var open: [(bounds: ClosedRange<UInt128>, value: Int32)] = []
        var cursor: UInt128 = 0
        var exhausted = false
        func emit(upTo high: UInt128, value: Int32) {
            guard !exhausted, cursor <= high else { return }
            lows.append(cursor)
            highs.append(high)
            values.append(value)
            if high == .max { exhausted = true } else { cursor = high + 1 }
        }
        for range in sorted {
            while let top = open.last, top.bounds.upperBound < range.bounds.lowerBound {
                emit(upTo: top.bounds.upperBound, value: top.value)
                open.removeLast()
            }
            if let top = open.last, range.bounds.lowerBound > 0 { emit(upTo: range.bounds.lowerBound - 1, value: top.value) }
            if !exhausted { cursor = max(cursor, range.bounds.lowerBound) }
            open.append(range)
        }
        while let top = open.popLast() { emit(upTo: top.bounds.upperBound, value: top.value) }
    }

    var count: Int { lows.count }

    func value(for key: UInt128) -> Int32? {
        var low = 0
        var high = highs.count
        while low < high {
            let middle = (low &+ high) >> 1
            if highs[middle] < key { low = middle + 1 } else { high = middle }
        }
        guard low < highs.count, lows[low] <= key else { return nil }
        return values[low]
    }
}
