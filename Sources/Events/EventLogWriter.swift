import Foundation
import Logging
import Model
import Storage

/// Persists every published event to the store in batches (one transaction per interval), so the log survives
/// restarts without a disk write per event, and keeps the log within its retention (read from the `events:` section
/// at each pass, so a change applies at the next one).
public struct EventLogWriter: Sendable {
    private let store: any PortcullisStore
    private let node: String?
    private let logger: Logger
    private let interval: Duration
    /// Time between retention passes (one at start).
    public static let retentionInterval = Duration.seconds(3_600)

    public init(store: any PortcullisStore, node: String? = nil, logger: Logger, interval: Duration = .milliseconds(200)) {
        self.store = store
        self.node = node
        self.logger = logger
        self.interval = interval
    }

    /// Drains `events` until the stream finishes, then writes what is left.
    public func run(_ events: EventStream) async {
        let queue = WriteBehindQueue<[EventRecord]>()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await queue.run(every: interval) { batch in await write(batch) }
            }
            group.addTask {
                while !Task.isCancelled {
                    _ = await prune()
                    try? await Task.sleep(for: EventLogWriter.retentionInterval)
                }
            }
            for await event in events {
                var record = event.record
                if let node { record.fields["node"] = node }
                queue.append(record)
            }
            group.cancelAll()
        }
        let rest = queue.take()
        if !rest.isEmpty { _ = await write(rest) }
    }

    /// One retention pass; counts what it removed in the `RetentionReport`. Answers the count (nil: it failed).
    public func prune(now: Date = Date()) async -> Int? {
        do {
            let removed = try await RetentionReport.pass(over: store, now: now)
            if removed > 0 { logger.info("event log pruned", metadata: ["events": "\(removed)"]) }
            return removed
        } catch {
            logger.error("event log pruning failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// False when the store did not take the batch: it is kept and tried again.
    private func write(_ batch: [EventRecord]) async -> Bool {
        do {
            try await store.appendEvents(batch)
            return true
        } catch {
            logger.error("event log write failed; kept to try again", metadata: ["error": "\(error)", "events": "\(batch.count)"])
            return false
        }
    }
}
