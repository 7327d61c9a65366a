import DequeModule

/// The relay's ports: each leg takes an even RTP port with its odd RTCP neighbour. Handed out first in, first out,
/// so a port just released waits for all the others before it is used again and late packets of the last call do
/// not reach the next one.
struct MediaPortPool: Sendable {
    private var free: Deque<Int>
    private var taken: Set<Int> = []
    /// The lowest port handed out.
    let first: Int
    /// Ports from `first` to the highest RTCP port.
    let span: Int

    init(min: Int, max: Int) {
        first = min % 2 == 0 ? min : min + 1
        free = first < max ? Deque(stride(from: first, to: max, by: 2)) : []
        span = Swift.max(0, max - first + 1)
    }

    var inUse: Int { taken.count }

    /// An even port not in use, or nil when all are taken.
    mutating func take() -> Int? {
        guard let port = free.popFirst() else { return nil }
        taken.insert(port)
        return port
    }

    mutating func release(_ port: Int) {
        guard taken.remove(port) != nil else { return }
        free.append(port)
    }
}
