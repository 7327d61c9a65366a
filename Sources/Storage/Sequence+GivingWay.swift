#if canImport(Glibc)
import Glibc
#endif

extension Sequence {
    /// Runs `body` for each element, and every `interval` elements offers the CPU to any thread waiting for it.
    ///
    /// For the write-behind batches (bindings, call records, events): one is milliseconds of SQLite work (1,600
    /// bindings at 8,000 REGISTER/s every 200 ms is about 3.5 ms), and the scheduler lets a running thread finish its
    /// time slice while a woken one waits. On one core the SIP loop waited up to 2.9 ms behind a batch, every 200 ms
    /// (`perf sched timehist`). Giving way every 16 rows bounds that to about 0.1 ms (every 64 still left waits of
    /// 0.4 ms); when nothing waits, `sched_yield` returns at once. The batch keeps its fair share of the CPU, so a
    /// busy PBX still writes. Also taking a batch out of its buffer gives way (`CoalescingBuffer.takeAll`).
    @inlinable
    func forEachGivingWay(every interval: Int = 16, _ body: (Element) throws -> Void) rethrows {
        for (index, element) in enumerated() {
            try body(element)
            if index % interval == interval - 1 { sched_yield() }
        }
    }
}
