import Model
import Synchronization

/// Collects items from the hot path without waiting and hands them to a writer in batches, one store
/// transaction per interval instead of one per item. `Buffer` decides what a batch holds: every item (an array) or
/// only the writes that still matter per key (`CoalescingBuffer`).
public final class WriteBehindQueue<Buffer: WriteBehindBuffer & Sendable>: Sendable where Buffer.Item: Sendable {
    public typealias Item = Buffer.Item
    // Inlinable (with the members below), so that the module declaring a queue specializes it for its items: left
    // generic, every binding change the SIP loop queued went through value witnesses (queueing took 2.3 % of the
    // loop's time at 8,000 registrations/s, 1.7 % specialized).
    @usableFromInline let pending = Mutex<Buffer>(Buffer())
    @usableFromInline let capacity: Int
    @usableFromInline let dropped = Atomic<Int>(0)

    /// `capacity` bounds memory if the store stalls; beyond it new entries are dropped and counted.
    public init(capacity: Int = 1_000_000) {
        self.capacity = capacity
    }

    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    @inlinable
    public func append(_ item: Item) {
        let accepted = pending.withLock { $0.add(item, within: capacity) }
        if !accepted { dropped.add(1, ordering: .relaxed) }
    }

    @inlinable
    public func append(contentsOf items: [Item]) {
        for item in items { append(item) }
    }

    /// Everything pending, in the buffer's order. The buffer is swapped out under the lock and emptied outside it:
    /// emptying a full one (a thousand bindings) takes over a millisecond, and the SIP loop, appending, would wait for
    /// the lock that long.
    @inlinable
    public func take() -> [Item] {
        var taken = pending.withLock { pending in
            var empty = Buffer()
            swap(&pending, &empty)
            return empty
        }
        return taken.takeAll()
    }

    /// Writes batches every `interval` until cancelled. The caller writes the last batch (`take()`) outside
    /// the cancelled task, once nothing can be appended any more.
    /// A batch once taken is written outside the caller's cancellation; one the store did not take (`write` answers
    /// false: it is unreachable) goes back in front of what came since and is tried again at the next interval, so a
    /// store that comes back gets everything, in order, within `capacity`.
    @inlinable
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
    /// counted. The batch (up to `capacity` items while the store is down) is rebuilt outside the lock; under it only
    /// what came since the batch was taken is added, so the SIP loop never waits for the whole rebuild.
    @inlinable
    public func putBack(_ batch: [Item]) {
        var merged = Buffer()
        for item in batch { _ = merged.add(item, within: .max) }
        let lost = pending.withLock { pending in
            for item in pending.takeAll() { _ = merged.add(item, within: .max) }
            let lost = merged.dropOldest(merged.count - capacity)
            swap(&pending, &merged)
            return lost
        }
        if lost > 0 { dropped.add(lost, ordering: .relaxed) }
    }
}
