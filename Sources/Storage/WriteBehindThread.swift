import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// The one thread that writes the store's write-behind batches (bindings, call records, events), at the kernel's idle
/// priority (`SCHED_IDLE`).
///
/// Why: a batch is milliseconds of SQLite work (1,600 bindings at 8,000 REGISTER/s every 200 ms is about 3.5 ms). On an
/// ordinary thread the scheduler lets it finish its time slice while the SIP loop, woken by a request, waits: measured
/// at 8,000 REGISTER/s on one core, the loop waited up to 2.9 ms, every 200 ms, which was the whole p99 tail. An idle
/// thread is preempted as soon as the loop wakes, and runs on whatever CPU time signalling leaves. Under a load that
/// leaves none, the writes wait in their bounded queue (`WriteBehindQueue`).
final class WriteBehindThread: Sendable {
    private let pool = NIOThreadPool(numberOfThreads: 1)

    init() {
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive {
            Self.yieldToSignalling()
            return try body()
        }
    }

    /// `SCHED_IDLE` of `<linux/sched.h>`, which Glibc's Swift module does not export (it sits behind `__USE_GNU`).
    static let idlePolicy: Int32 = 5

    /// The calling thread's scheduling policy becomes `SCHED_IDLE`; a thread may always lower its own. Where the
    /// kernel refuses (no such policy), the write runs at normal priority, as it did before.
    static func yieldToSignalling() {
        #if os(Linux)
        var parameters = sched_param(sched_priority: 0)
        _ = sched_setscheduler(0, idlePolicy, &parameters)
        #endif
    }
}
