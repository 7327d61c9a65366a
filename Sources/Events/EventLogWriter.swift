import Logging
import Storage
import Synchronization

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
        let pending = PendingRecords()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in events {
                    pending.append(event.record)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    await flush(pending.take())
                }
            }
            await group.next()
            group.cancelAll()
        }
        await flush(pending.take())
    }

    private func flush(_ batch: [EventRecord]) async {
        guard !batch.isEmpty else { return }
        do {
            try await store.appendEvents(batch)
        } catch {
            logger.error("event log write failed", metadata: ["error": "\(error)", "events": "\(batch.count)"])
        }
    }
}

/// The records received but not yet written, shared by the receiving and the flushing task.
private final class PendingRecords: Sendable {
    private let records = Mutex<[EventRecord]>([])

    func append(_ record: EventRecord) { records.withLock { $0.append(record) } }

    func take() -> [EventRecord] {
        records.withLock { records in
            defer { records.removeAll() }
            return records
        }
    }
}
