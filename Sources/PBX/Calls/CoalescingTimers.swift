import NIOCore
import Synchronization

/// Timers filed by the slot (10 ms by default) they fall due in, with one NIO task per slot instead of one per
/// timer. Each call arms about eight transaction timers (retransmissions, timeouts, lingering) that mostly find nothing
/// to do and live up to 32 s; as one NIO task each, keeping NIO's task heap ordered took a tenth of the process's CPU
/// at 1,200 calls a second (`Benchmarks/results/call-profile-2026-11-30.md`).
final class CoalescingTimers<Element: Sendable>: Sendable {
    private let slots = Mutex<[UInt64: [(due: NIODeadline, element: Element)]]>([:])
    private let resolution: UInt64

    init(resolution: TimeAmount = .milliseconds(10)) {
        self.resolution = UInt64(max(1, resolution.nanoseconds))
    }

    /// Fires `element` no sooner than `delay` from now and at most one slot later. The slot's first timer brings the
    /// loop and the `fire` that get the slot's elements, in the order they fall due.
    func schedule(_ element: Element, in delay: TimeAmount, on loop: any EventLoop, fire: @escaping @Sendable ([Element]) -> Void) {
        let due = loop.now + delay
        let slot = due.uptimeNanoseconds / resolution + 1
        let opened = slots.withLock { slots in
            let opened = slots[slot] == nil
            slots[slot, default: []].append((due, element))
            return opened
        }
        guard opened else { return }
        let (end, overflow) = slot.multipliedReportingOverflow(by: resolution)
        loop.scheduleTask(deadline: overflow ? .distantFuture : .uptimeNanoseconds(end)) { [self] in
            let filed = slots.withLock { $0.removeValue(forKey: slot) } ?? []
            fire(filed.enumerated().sorted { ($0.element.due, $0.offset) < ($1.element.due, $1.offset) }.map(\.element.element))
        }
    }
}
