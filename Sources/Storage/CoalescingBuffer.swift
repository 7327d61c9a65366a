/// An item whose later write to the same key can make an earlier one unnecessary. The buffer's capacity counts keys,
/// so a key's writes must collapse to a bounded few (a binding's: at most an upsert and a remove).
public protocol Coalescing: Sendable {
    associatedtype Key: Hashable & Sendable
    var key: Key { get }
    /// Whether writing `earlier` and then `self` leaves the store as writing `self` alone does.
    func supersedes(_ earlier: Self) -> Bool
}

/// Holds per key only the writes that still matter, so that a burst of changes to the same few rows costs the store
/// (and memory until the next batch) one write per row rather than one per change, and the capacity bounds rows,
/// not the rate they change at. Writes of one key keep their order; keys go in the order they first came.
public struct CoalescingBuffer<Item: Coalescing>: WriteBehindBuffer, Sendable {
    @usableFromInline
    struct Writes: Sendable {
        @usableFromInline var items: [Item]
        /// When the key was last written to, counted in adds: the oldest entry is the one written to least recently.
        @usableFromInline var last: Int

        @inlinable
        init(items: [Item], last: Int) {
            self.items = items
            self.last = last
        }
    }

    // Inlinable, as `WriteBehindQueue` is: specialized where the queue is declared.
    @usableFromInline var keys: [Item.Key] = []
    @usableFromInline var writes: [Item.Key: Writes] = [:]
    @usableFromInline var added = 0

    @inlinable
    public init() {}

    @inlinable
    public var count: Int { keys.count }

    @inlinable
    public mutating func add(_ item: Item, within capacity: Int) -> Bool {
        let key = item.key
        added += 1
        if let index = writes.index(forKey: key) {
            writes.values[index].items.removeAll { item.supersedes($0) }
            writes.values[index].items.append(item)
            writes.values[index].last = added
            return true
        }
        guard keys.count < capacity else { return false }
        keys.append(key)
        writes[key] = Writes(items: [item], last: added)
        return true
    }

    @inlinable
    public mutating func takeAll() -> [Item] {
        // Key by key, giving way: copying out and freeing a thousand bindings in one go kept the SIP loop waiting
        // about 1.3 ms on one core.
        var batch: [Item] = []
        batch.reserveCapacity(keys.count)
        keys.forEachGivingWay { key in
            if let taken = writes.removeValue(forKey: key) { batch.append(contentsOf: taken.items) }
        }
        keys.removeAll(keepingCapacity: true)
        return batch
    }

    @inlinable
    public mutating func dropOldest(_ count: Int) -> Int {
        guard count > 0 else { return 0 }
        let gone = writes.sorted { $0.value.last < $1.value.last }.prefix(count)
        let goneKeys = Set(gone.map(\.key))
        keys.removeAll { goneKeys.contains($0) }
        return gone.reduce(0) { total, entry in total + (writes.removeValue(forKey: entry.key)?.items.count ?? 0) }
    }
}
