import Model
import Synchronization

/// Collects items from the hot path without waiting and hands them to a writer in batches, one store
/// transaction per interval instead of one per item.
public final class WriteBehindQueue<Item: Sendable>: Sendable {
    private let pending = Mutex<[Item]>([])
    private let capacity: Int
    private let dropped = Atomic<Int>(0)

    /// `capacity` bounds memory if the store stalls; beyond it new items are dropped and counted.
    public init(capacity: Int = 1_000_000) {
        self.capacity = capacity
    }

    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    public func append(_ item: Item) {
        let accepted = pending.withLock { items in
            guard items.count < capacity else { return false }
            items.append(item)
            return true
        }
        if !accepted { dropped.add(1, ordering: .relaxed) }
    }

    public func append(contentsOf items: [Item]) {
        for item in items { append(item) }
    }

    public func take() -> [Item] {
        pending.withLock { items in
            defer { items.removeAll(keepingCapacity: true) }
            return items
        }
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
        let lost = pending.withLock { items in
            let kept = batch.suffix(max(0, capacity - items.count))
            items.insert(contentsOf: kept, at: 0)
            return batch.count - kept.count
        }
        if lost > 0 { dropped.add(lost, ordering: .relaxed) }
    }
}
