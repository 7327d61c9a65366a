import NIOCore
import Synchronization

/// What the relay's loop counts for one call, read by the call's own code (CDR packet counts, stop-on-silence):
/// atomics written once per batch of packets, so neither side takes a lock.
final class MediaCounters: Sendable {
    private let caller = Atomic<Int>(0)
    private let callee = Atomic<Int>(0)
    /// `NIODeadline.uptimeNanoseconds` of the last packet from either side (or of the session's opening).
    private let lastPacket: Atomic<UInt64>

    init(now: NIODeadline) {
        lastPacket = Atomic(now.uptimeNanoseconds)
    }

    func add(_ packets: Int, from side: MediaSession.Side, at now: UInt64) {
        if side == .caller { caller.add(packets, ordering: .relaxed) } else { callee.add(packets, ordering: .relaxed) }
        lastPacket.store(now, ordering: .relaxed)
    }

    var packets: (caller: Int, callee: Int) { (caller.load(ordering: .relaxed), callee.load(ordering: .relaxed)) }

    var last: NIODeadline { .uptimeNanoseconds(lastPacket.load(ordering: .relaxed)) }
}
