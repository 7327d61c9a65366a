import Logging
import Storage

/// Persists every published event to the store in batches (one transaction per interval), so the log survives
/// restarts without a disk write per event.
public struct EventLogWriter: Sendable {
    private let store: any PortcullisStore
    private let logger: Logger
    private let interval: Duration

    public init(store: any PortcullisStore, logger: Logger, interval: Duration = .milliseconds(200)) {
        self.store = store
        self.logger = logger
        self.interval = interval
    }

    /// Drains `events` until the stream finishes, then writes what is left.
    public func run(_ events: AsyncStream<PortcullisEvent>) async {
        let queue = WriteBehindQueue<EventRecord>()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await queue.run(every: interval) { batch in await write(batch) }
            }
            for await event in events { queue.append(event.record) }
            group.cancelAll()
        }
        let rest = queue.take()
        if !rest.isEmpty { await write(rest) }
    }

    private func write(_ batch: [EventRecord]) async {
        do {
            try await store.appendEvents(batch)
        } catch {
            logger.error("event log write failed", metadata: ["error": "\(error)", "events": "\(batch.count)"])
        }
    }
}
