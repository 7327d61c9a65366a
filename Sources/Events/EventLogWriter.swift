import Foundation
import Logging
import Model
import Storage

/// Persists every published event to the store in batches (one transaction per interval), so the log survives
/// restarts without a disk write per event, and keeps the log within its retention.
public struct EventLogWriter: Sendable {
    private let store: any PortcullisStore
    private let logger: Logger
    private let interval: Duration
    private let retention: EventRetention

    public init(store: any PortcullisStore, logger: Logger, interval: Duration = .milliseconds(200), retention: EventRetention = EventRetention()) {
        self.store = store
        self.logger = logger
        self.interval = interval
        self.retention = retention
    }

    /// Drains `events` until the stream finishes, then writes what is left.
    public func run(_ events: EventStream) async {
        let queue = WriteBehindQueue<EventRecord>()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await queue.run(every: interval) { batch in await write(batch) }
            }
            group.addTask {
                while !Task.isCancelled {
                    await prune()
                    try? await Task.sleep(for: retention.interval)
                }
            }
            for await event in events { queue.append(event.record) }
            group.cancelAll()
        }
        let rest = queue.take()
        if !rest.isEmpty { await write(rest) }
    }

    private func prune() async {
        do {
            let deleted = try await store.pruneEvents(before: Date().addingTimeInterval(-retention.maxAge), keeping: retention.maxEvents)
            if deleted > 0 { logger.info("event log pruned", metadata: ["events": "\(deleted)"]) }
        } catch {
            logger.error("event log pruning failed", metadata: ["error": "\(error)"])
        }
    }

    private func write(_ batch: [EventRecord]) async {
        do {
            try await store.appendEvents(batch)
        } catch {
            logger.error("event log write failed", metadata: ["error": "\(error)", "events": "\(batch.count)"])
        }
    }
}
