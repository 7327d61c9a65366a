import Foundation

/// Collapses a burst of one event from one source: the first occurrence in a window is published as it is, the
/// rest are only counted, and when the window ends one summary carries the last occurrence's fields and
/// `repeated` (how many more there were). Bounded: at most `capacity` sources are tracked; past that, further
/// sources share one entry (`ip` becomes `many`), so 100 addresses cannot write 18,000 events in 20 seconds.
public struct EventAggregator: Sendable {
    struct Entry: Sendable {
        var opened: Date
        var last: PortcullisEvent
        var repeated = 0
    }

    public let window: TimeInterval
    public let capacity: Int
    private var entries: [String: Entry] = [:]

    public init(window: TimeInterval = 60, capacity: Int = 10_000) {
        self.window = window
        self.capacity = capacity
    }

    static let overflowKey = "many"

    /// The event to publish now, or nil when it only counts towards its source's summary.
    public mutating func admit(_ event: PortcullisEvent, source: String) -> PortcullisEvent? {
        var key = event.kind.name + "|" + source
        if entries[key] == nil && entries.count >= capacity {
            key = event.kind.name + "|" + EventAggregator.overflowKey
        }
        if var entry = entries[key] {
            entry.repeated += 1
            entry.last = event
            entries[key] = entry
            return nil
        }
        entries[key] = Entry(opened: event.time, last: event)
        return event
    }

    /// Summaries of the windows that ended by `now`, one per source that repeated itself.
    public mutating func flush(now: Date) -> [PortcullisEvent] {
        var summaries: [PortcullisEvent] = []
        for (key, entry) in entries where now.timeIntervalSince(entry.opened) >= window {
            entries[key] = nil
            guard entry.repeated > 0 else { continue }
            var fields = entry.last.fields
            fields["repeated"] = String(entry.repeated)
            fields["window"] = "\(Int(window))s"
            if key.hasSuffix("|" + EventAggregator.overflowKey) { fields["ip"] = EventAggregator.overflowKey }
            summaries.append(PortcullisEvent(entry.last.kind, time: entry.last.time, fields: fields))
        }
        return summaries
    }

    public var tracked: Int { entries.count }
}
