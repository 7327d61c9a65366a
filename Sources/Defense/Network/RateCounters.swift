/// Packet counts per (source, rule) over a sliding window, owned by one event loop. The number of tracked keys is
/// capped, so a flood of spoofed sources costs bounded memory: keys live in two generations of open-addressing
/// tables; when the current one holds half the cap it becomes the previous one and the old previous is forgotten
/// whole (counted as evictions). A source seen again is moved forward, so active sources survive and idle ones age
/// out, with no per-key bookkeeping and one hash probe per packet.
public struct RateCounters: Sendable {
    /// Two fixed windows blended into a sliding estimate: previous * (unelapsed share) + current.
    struct Window: Sendable {
        var start: Int64
        var current: Int32
        var previous: Int32
        var tripped: Bool
    }

    public let capacity: Int
    public private(set) var evictions = 0
    private var current: Generation
    private var previous: Generation

    public init(capacity: Int) {
        self.capacity = max(capacity, 2)
        current = Generation(limit: self.capacity / 2)
        previous = Generation(limit: self.capacity / 2)
    }

    public var count: Int { current.count + previous.count }

    /// Counts one packet; returns the estimated count within the interval when this packet takes it past
    /// `limit` (once per window), nil otherwise.
    mutating func hit(source: UInt128, rule: Int32, limit: Int, interval: Int64, now: Int64) -> Int? {
        if let index = current.find(source, rule) {
            return RateCounters.count(&current.slots[index].window, limit: limit, interval: interval, now: now)
        }
        var window = Window(start: now, current: 0, previous: 0, tripped: false)
        if let index = previous.find(source, rule) { window = previous.take(index) }
        let fired = RateCounters.count(&window, limit: limit, interval: interval, now: now)
        if current.count >= current.limit {
            evictions += previous.count
            previous = current
            current = Generation(limit: capacity / 2)
        }
        current.insert(source, rule, window)
        return fired
    }

    private static func count(_ window: inout Window, limit: Int, interval: Int64, now: Int64) -> Int? {
        let elapsed = now - window.start
        if elapsed >= interval {
            window.previous = elapsed >= 2 * interval ? 0 : window.current
            window.start += elapsed / interval * interval
            window.current = 0
            window.tripped = false
        }
        window.current &+= 1
        let carried = Int64(window.previous) * max(interval - (now - window.start), 0) / interval
        let estimate = Int(carried) + Int(window.current)
        guard estimate > limit, !window.tripped else { return nil }
        window.tripped = true
        return estimate
    }

    /// An open-addressing table kept at most half full, growing by doubling up to its limit; never deletes, only
    /// marks a moved key (rule -1) so probe chains stay intact.
    struct Generation: Sendable {
        struct Slot: Sendable {
            var source: UInt128
            var window: Window
            var rule: Int32
            var used: Bool
        }

        let limit: Int
        var slots: [Slot]
        private(set) var count = 0

        init(limit: Int) {
            self.limit = limit
            slots = Generation.emptySlots(64)
        }

        func find(_ source: UInt128, _ rule: Int32) -> Int? {
            let mask = slots.count - 1
            var index = Generation.hash(source, rule) & mask
            while slots[index].used {
                if slots[index].source == source && slots[index].rule == rule { return index }
                index = (index + 1) & mask
            }
            return nil
        }

        mutating func take(_ index: Int) -> Window {
            slots[index].rule = -1
            count -= 1
            return slots[index].window
        }

        mutating func insert(_ source: UInt128, _ rule: Int32, _ window: Window) {
            if (count + 1) * 2 > slots.count { grow() }
            let mask = slots.count - 1
            var index = Generation.hash(source, rule) & mask
            while slots[index].used { index = (index + 1) & mask }
            slots[index] = Slot(source: source, window: window, rule: rule, used: true)
            count += 1
        }

        private mutating func grow() {
            let old = slots
            slots = Generation.emptySlots(old.count * 2)
            count = 0
            for slot in old where slot.used && slot.rule >= 0 { insert(slot.source, slot.rule, slot.window) }
        }

        private static func emptySlots(_ size: Int) -> [Slot] {
            [Slot](repeating: Slot(source: 0, window: Window(start: 0, current: 0, previous: 0, tripped: false), rule: -1, used: false),
                   count: size)
        }

        private static func hash(_ source: UInt128, _ rule: Int32) -> Int {
            let folded = UInt64(truncatingIfNeeded: source) ^ UInt64(truncatingIfNeeded: source >> 64) ^ UInt64(UInt32(bitPattern: rule)) << 40
            return Int(truncatingIfNeeded: (folded &* 0x9E37_79B9_7F4A_7C15) >> 16)
        }
    }
}
