import NIOCore
import NIOPosix
import Testing
@testable import SIPStack

@Suite("Event loop priority")
struct EventLoopPriorityTests {
    /// With CAP_SYS_NICE (root, as in CI) the loop's thread runs at the raised priority, only it, and a thread it
    /// starts begins at normal priority; without, the system's refusal is reported and nothing changes.
    @Test func aRaisedLoopRunsAheadAndTheThreadsItStartsDoNot() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let before = try await loop.submit { EventLoopPriority.currentThreadNiceness() }.get()
        let outcomes = await EventLoopPriority.raise([loop], to: -3)
        let after = try await loop.submit { EventLoopPriority.currentThreadNiceness() }.get()
        switch outcomes.first {
        case .raised:
            #expect(after == -3)
            let pool = try await loop.submit {
                let pool = NIOThreadPool(numberOfThreads: 1)
                pool.start()
                return pool
            }.get()
            let started = try await pool.runIfActive { EventLoopPriority.currentThreadNiceness() }
            try await pool.shutdownGracefully()
            #expect(started == 0)
        case .refused(let reason):
            #expect(!reason.isEmpty)
            #expect(after == before)
        case .unsupported, nil:
            Issue.record("raising a loop's priority is unsupported here: \(outcomes)")
        }
        #expect(EventLoopPriority.currentThreadNiceness() != -3)
        try await group.shutdownGracefully()
    }
}
