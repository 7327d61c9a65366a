import Synchronization

/// In-process fan-out of events. `publish` never blocks and never awaits, so the SIP hot path can call it. Each
/// subscriber holds at most `bufferSize` undelivered events; past that a slow subscriber loses new ones, counted
/// in `dropped`, except alerts (a block, a lockout, a lost listener): those have their own, larger bound
/// (`alertCapacity`), so a flood of warnings cannot push the alert that matters out of the log. An event is
/// published at the level the installation gives its kind (`EventSettings`), so the log, the alert bound and the
/// notifications agree.
public final class EventBus: Sendable {
    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        var dropped = 0
        var levels: [String: EventKind.Level] = [:]
    }

    private let state = Mutex(State())
    private let bufferSize: Int
    private let alertCapacity: Int

    public init(bufferSize: Int = 10_000, alertCapacity: Int = 100_000) {
        self.bufferSize = bufferSize
        self.alertCapacity = alertCapacity
    }

    public var dropped: Int { state.withLock { $0.dropped } }

    /// Levels that differ from the catalogue's, by event name (`EventSettings.levels`).
    public func setLevels(_ levels: [String: EventKind.Level]) {
        state.withLock { $0.levels = levels }
    }

    public func publish(_ published: PortcullisEvent) {
        let (subscribers, level) = state.withLock { (Array($0.subscribers.values), $0.levels[published.kind.name]) }
        let event = level.map { published.at(level: $0) } ?? published
        let alert = event.kind.level == .alert
        for subscriber in subscribers where !subscriber.offer(event, alert: alert, limit: alert ? alertCapacity : bufferSize) {
            state.withLock { $0.dropped += 1 }
        }
    }

    /// A stream of every event published from now on; it ends when `finish()` is called.
    public func subscribe() -> EventStream {
        let (stream, continuation) = AsyncStream<PortcullisEvent>.makeStream(bufferingPolicy: .unbounded)
        let subscriber = Subscriber(continuation)
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.subscribers[state.nextID] = subscriber
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return EventStream(stream: stream, subscriber: subscriber)
    }

    /// Ends every subscription after it has delivered what is buffered.
    public func finish() {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.continuation.finish() }
    }

    /// One subscription: its stream's input and how many of each kind it holds undelivered.
    final class Subscriber: Sendable {
        let continuation: AsyncStream<PortcullisEvent>.Continuation
        private let pending = Mutex((events: 0, alerts: 0))

        init(_ continuation: AsyncStream<PortcullisEvent>.Continuation) { self.continuation = continuation }

        /// Buffers the event unless `limit` of its kind are waiting already.
        func offer(_ event: PortcullisEvent, alert: Bool, limit: Int) -> Bool {
            let taken = pending.withLock { pending in
                let waiting = alert ? pending.alerts : pending.events
                guard waiting < limit else { return false }
                if alert { pending.alerts += 1 } else { pending.events += 1 }
                return true
            }
            if taken { continuation.yield(event) }
            return taken
        }

        func delivered(_ event: PortcullisEvent) {
            pending.withLock { pending in
                if event.kind.level == .alert { pending.alerts -= 1 } else { pending.events -= 1 }
            }
        }
    }
}

/// The events of one subscription, in the order they were published.
public struct EventStream: AsyncSequence, Sendable {
    public typealias Element = PortcullisEvent
    let stream: AsyncStream<PortcullisEvent>
    let subscriber: EventBus.Subscriber

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<PortcullisEvent>.AsyncIterator
        let subscriber: EventBus.Subscriber

        public mutating func next() async -> PortcullisEvent? {
            guard let event = await base.next() else { return nil }
            subscriber.delivered(event)
            return event
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: stream.makeAsyncIterator(), subscriber: subscriber) }
}
