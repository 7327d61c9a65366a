import NIOCore
import NIOEmbedded
@testable import PBX
import Synchronization
import Testing

@Suite("Coalescing timers")
struct CoalescingTimersTests {
    @Test func timersInOneSlotFireTogetherInOrderNeverEarlyAndAtMostASlotLate() {
        let loop = EmbeddedEventLoop()
        let timers = CoalescingTimers<String>(resolution: .milliseconds(10))
        let fired = Mutex<[(at: NIODeadline, batch: [String])]>([])
        let start = loop.now
        func schedule(_ name: String, _ milliseconds: Int64) {
            timers.schedule(name, in: .milliseconds(milliseconds), on: loop) { batch in fired.withLock { $0.append((loop.now, batch)) } }
        }
        schedule("late in the slot", 19)
        schedule("early in the slot", 11)
        schedule("next slot", 25)
        schedule("long", 32_000)
        loop.advanceTime(by: .milliseconds(10))
        #expect(fired.withLock { $0.isEmpty })
        loop.advanceTime(by: .milliseconds(15))
        let first = fired.withLock { $0 }
        #expect(first.map(\.batch) == [["early in the slot", "late in the slot"]])
        #expect(first.allSatisfy { $0.at - start >= .milliseconds(19) && $0.at - start <= .milliseconds(29) })
        loop.advanceTime(by: .milliseconds(10))
        #expect(fired.withLock { $0.map(\.batch) } == [["early in the slot", "late in the slot"], ["next slot"]])
        loop.advanceTime(by: .seconds(32))
        #expect(fired.withLock { $0.last?.batch } == ["long"])
        #expect(fired.withLock { $0.count } == 3)
    }

    @Test func aSlotThatFiredOpensAgainForLaterTimers() {
        let loop = EmbeddedEventLoop()
        let timers = CoalescingTimers<Int>(resolution: .milliseconds(10))
        let fired = Mutex<[Int]>([])
        timers.schedule(1, in: .milliseconds(5), on: loop) { batch in fired.withLock { $0 += batch } }
        loop.advanceTime(by: .milliseconds(20))
        timers.schedule(2, in: .zero, on: loop) { batch in fired.withLock { $0 += batch } }
        loop.advanceTime(by: .milliseconds(20))
        #expect(fired.withLock { $0 } == [1, 2])
    }
}
