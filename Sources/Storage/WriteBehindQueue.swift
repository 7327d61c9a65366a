import Model
import Synchronization

/// Collects items from the hot path without waiting and hands them to a writer in batches, one store
/// transaction per interval instead of one per item. `Buffer` decides what a batch holds: every item (an array) or
/// only the writes that still matter per key (`CoalescingBuffer`).
public final class WriteBehindQueue<Buffer: WriteBehindBuffer & Sendable>: Sendable where Buffer.Item: Sendable {
    public typealias Item = Buffer.Item
    private let pending = Mutex<Buffer>(Buffer())
    private let capacity: Int
    private let dropped = Atomic<Int>(0)

    /// `capacity` bounds memory if the store stalls; beyond it new entries are dropped and counted.
    public init(capacity: Int = 1_000_000) {
        self.capacity = capacity
    }

    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    public func append(_ item: Item) {
        let accepted = pending.withLock { $0.add(item, within: capacity) }
        if !accepted { dropped.add(1, ordering: .relaxed) }
    }

    public func append(contentsOf items: [Item]) {
        for item in items { append(item) }
    }

    public func take() -> [Item] {
        pending.withLock { $0.takeAll() }
    }

    /// Writes batches every `interval` until cancelled. The caller writes the last batch (`take()`) outside
    /// the cancelled task, once nothing can be appended any more.
    /// A batch once taken is written outside the caller's cancellation; one the store did not take (`write` answers
    /// false: it is unreachable) goes back in front of what came since and is tried again at the next interval, so a
    /// store that comes back gets everything, in order, within `capacity`.
    public func run(every interval: Duration, write: @escaping @Sendable ([Item]) async -> Bool) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let batch = take()
            guard !batch.isEmpty else { continue }
            let stored = await Task { await write(batch) }.value
            if !stored { putBack(batch) }
        }
    }

    /// Items the writer could not store, back before the newer ones; beyond `capacity` the oldest are dropped and
    /// counted.
    public func putBack(_ batch: [Item]) {
        let lost = pending.withLock { pending in
            var merged = Buffer()
            for item in batch + pending.takeAll() { _ = merged.add(item, within: .max) }
            let lost = merged.dropOldest(merged.count - capacity)
            pending = merged
            return lost
        }
        if lost > 0 { dropped.add(lost, ordering: .relaxed) }
    }
}
