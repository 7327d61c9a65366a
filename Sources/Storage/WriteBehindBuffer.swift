/// What a write-behind queue holds between two batches: the order the items go to the store in, and how many of
/// them count against the queue's capacity.
public protocol WriteBehindBuffer {
    associatedtype Item
    init()
    /// Entries counted against the capacity.
    var count: Int { get }
    /// Adds `item` unless that would take the buffer beyond `capacity` entries; answers whether it was added.
    mutating func add(_ item: Item, within capacity: Int) -> Bool
    /// Everything held, in the order it is to be written, leaving the buffer empty.
    mutating func takeAll() -> [Item]
    /// Drops the `count` oldest entries (none when `count` is not positive); answers how many items went with them.
    mutating func dropOldest(_ count: Int) -> Int
}

/// Every item is written, in arrival order.
extension Array: WriteBehindBuffer {
    @inlinable
    public mutating func add(_ item: Element, within capacity: Int) -> Bool {
        guard count < capacity else { return false }
        append(item)
        return true
    }

    /// Hands the storage itself over. `WriteBehindQueue.take` empties a buffer it has swapped out and then drops, so
    /// keeping the capacity (as this did while the queue emptied its buffer in place) would allocate storage of the
    /// batch's size only to free it.
    @inlinable
    public mutating func takeAll() -> [Element] {
        defer { self = [] }
        return self
    }

    @inlinable
    public mutating func dropOldest(_ count: Int) -> Int {
        let dropped = Swift.max(0, Swift.min(count, self.count))
        removeFirst(dropped)
        return dropped
    }
}
