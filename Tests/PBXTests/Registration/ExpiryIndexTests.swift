import Foundation
@testable import PBX
import Testing

@Suite("Expiry index")
struct ExpiryIndexTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func keysFallDueOnlyOnceTheirTimeHasPassed() {
        var index = ExpiryIndex<String>()
        index.schedule("a", at: start.addingTimeInterval(10.2))
        index.schedule("b", at: start.addingTimeInterval(20))
        index.schedule("c", at: start.addingTimeInterval(3_600))
        #expect(index.takeDue(through: start.addingTimeInterval(10)).isEmpty)
        // 10.2 s is due in the bucket of the 11th second: never before its time, at most a second after.
        #expect(index.takeDue(through: start.addingTimeInterval(10.9)).isEmpty)
        #expect(index.takeDue(through: start.addingTimeInterval(11)) == ["a"])
        #expect(index.takeDue(through: start.addingTimeInterval(11)).isEmpty)
        #expect(index.takeDue(through: start.addingTimeInterval(25)) == ["b"])
        #expect(index.count == 1)
    }

    @Test func reschedulingMovesAKeyAndNilTakesItOut() {
        var index = ExpiryIndex<String>()
        index.schedule("refreshed", at: start.addingTimeInterval(10))
        index.schedule("refreshed", at: start.addingTimeInterval(100))
        index.schedule("removed", at: start.addingTimeInterval(10))
        index.schedule("removed", at: nil)
        #expect(index.count == 1)
        #expect(index.takeDue(through: start.addingTimeInterval(50)).isEmpty)
        #expect(index.takeDue(through: start.addingTimeInterval(100)) == ["refreshed"])
        #expect(index.count == 0)
    }

    @Test func aTimeAlreadySweptIsDueAtTheNextSweep() {
        var index = ExpiryIndex<String>()
        #expect(index.takeDue(through: start).isEmpty)
        index.schedule("late", at: start.addingTimeInterval(-60))
        #expect(index.takeDue(through: start.addingTimeInterval(1)) == ["late"])
    }

    @Test func aLongPauseOrABrokenClockNeitherLosesKeysNorTraps() {
        var index = ExpiryIndex<Int>()
        for key in 0..<1_000 { index.schedule(key, at: start.addingTimeInterval(Double(key % 50))) }
        #expect(index.takeDue(through: start.addingTimeInterval(24)).count == 500)
        // A jump of a year: the due buckets are found from the buckets, not by walking every second.
        #expect(Set(index.takeDue(through: start.addingTimeInterval(365 * 86_400))).count == 500)
        index.schedule(1, at: Date(timeIntervalSince1970: .nan))
        index.schedule(2, at: .distantFuture)
        index.schedule(3, at: Date(timeIntervalSince1970: -.infinity))
        #expect(index.count == 3)
        #expect(index.takeDue(through: start.addingTimeInterval(365 * 86_400 + 1)) == [3])
    }
}
