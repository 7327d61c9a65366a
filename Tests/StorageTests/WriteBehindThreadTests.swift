#if canImport(Glibc)
import Glibc
#endif
@testable import Storage
import Testing

@Suite("Write-behind thread")
struct WriteBehindThreadTests {
    private struct Refused: Error {}

    /// Batches nobody waits for must not hold the CPU that the SIP loop needs: they run at the kernel's idle priority,
    /// and only there.
    @Test func batchesRunAtIdlePriorityAndTheCallerKeepsItsOwn() async throws {
        let thread = WriteBehindThread()
        let policy = try await thread.run { sched_getscheduler(0) }
        #expect(policy == WriteBehindThread.idlePolicy)
        #expect(sched_getscheduler(0) != WriteBehindThread.idlePolicy)
        await #expect(throws: Refused.self) { try await thread.run { throw Refused() } }
        #expect(try await thread.run { 42 } == 42, "a failed batch does not stop the thread")
    }
}
