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
    /// A batch once taken is always written: the write runs outside the caller's cancellation.
    public func run(every interval: Duration, write: @escaping @Sendable ([Item]) async -> Void) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let batch = take()
            if !batch.isEmpty { await Task { await write(batch) }.value }
        }
    }
}
