import Events
import Foundation

/// Decides what each contact is sent, so that a flood cannot flood anyone: per contact and kind of event, the first
/// occurrence goes at once and opens an interval; the rest of the interval only counts, and when it ends one message
/// carries the last occurrence and the count (and opens the next interval). Bounded by contacts x catalogue entries.
public struct NotificationCoalescer: Sendable {
    struct Key: Hashable {
        let contact: String
        let event: String
    }

    struct Window {
        var opened: Date
        var last: PortcullisEvent
        var suppressed = 0
    }

    public var interval: TimeInterval
    private var windows: [Key: Window] = [:]

    public init(interval: TimeInterval) {
        self.interval = interval
    }

    /// The messages to send now for `event`, one per contact in `contacts` whose interval for its kind is not open.
    public mutating func admit(_ event: PortcullisEvent, for contacts: [String], now: Date) -> [NotificationMessage] {
        contacts.compactMap { contact in
            let key = Key(contact: contact, event: event.kind.name)
            if var window = windows[key] {
                window.suppressed += 1
                window.last = event
                windows[key] = window
                return nil
            }
            windows[key] = Window(opened: now, last: event)
            return NotificationMessage(contact: contact, event: event, count: 1, interval: nil)
        }
    }

    /// One message for each interval that ended by `now` with occurrences held back; quiet intervals close.
    public mutating func flush(now: Date) -> [NotificationMessage] {
        var messages: [NotificationMessage] = []
        for (key, window) in windows where now.timeIntervalSince(window.opened) >= interval {
            guard window.suppressed > 0 else {
                windows[key] = nil
                continue
            }
            messages.append(NotificationMessage(contact: key.contact, event: window.last, count: window.suppressed, interval: Int(interval)))
            windows[key] = Window(opened: now, last: window.last)
        }
        return messages
    }

    /// Forgets the intervals of contacts that are gone.
    public mutating func keep(contacts: Set<String>) {
        windows = windows.filter { contacts.contains($0.key.contact) }
    }

    public var openIntervals: Int { windows.count }
}

/// What one contact is sent: an event, or the last of `count` occurrences held back during `interval` seconds.
public struct NotificationMessage: Sendable, Equatable {
    public let contact: String
    public let event: PortcullisEvent
    public let count: Int
    /// nil: a single occurrence sent as it happened.
    public let interval: Int?

    public init(contact: String, event: PortcullisEvent, count: Int, interval: Int?) {
        self.contact = contact
        self.event = event
        self.count = count
        self.interval = interval
    }
}
