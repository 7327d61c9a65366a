/// Packet counts per (source, rule) over a sliding window, owned by one event loop. The number of tracked keys is
/// capped: past it the oldest key is forgotten, so a flood of spoofed sources costs bounded memory.
public struct RateCounters: Sendable {
    struct Key: Hashable, Sendable {
        let source: UInt128
        let rule: Int32
    }

    /// Two fixed windows blended into a sliding estimate: previous * (unelapsed share) + current.
    struct Window: Sendable {
        var start: Int64
        var current: Int32
        var previous: Int32
        var tripped: Bool
    }

    private var windows: [Key: Window] = [:]
    /// Keys in insertion order, as a ring once full.
    private var order: [Key] = []
    private var oldest = 0
    public let capacity: Int
    public private(set) var evictions = 0

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    public var count: Int { windows.count }

    /// Counts one packet; returns the estimated count within the interval when this packet takes it past
    /// `limit` (once per window), nil otherwise.
    mutating func hit(source: UInt128, rule: Int32, limit: Int, interval: Int64, now: Int64) -> Int? {
        let key = Key(source: source, rule: rule)
        guard var window = windows[key] else {
            insert(key, Window(start: now, current: 1, previous: 0, tripped: false))
            return nil
        }
        let elapsed = now - window.start
        if elapsed >= interval {
            window.previous = elapsed >= 2 * interval ? 0 : window.current
            window.start += elapsed / interval * interval
            window.current = 0
            window.tripped = false
        }
        window.current &+= 1
        let intoWindow = now - window.start
        let carried = Int64(window.previous) * max(interval - intoWindow, 0) / interval
        let estimate = Int(carried) + Int(window.current)
        var fired: Int?
        if estimate > limit, !window.tripped {
            window.tripped = true
            fired = estimate
        }
        windows[key] = window
        return fired
    }

    private mutating func insert(_ key: Key, _ window: Window) {
        // Keys leave `windows` only here, so the ring holds exactly its keys.
        if order.count < capacity {
            order.append(key)
        } else {
            windows[order[oldest]] = nil
            evictions += 1
            order[oldest] = key
            oldest = (oldest + 1) % order.count
        }
        windows[key] = window
    }
}
