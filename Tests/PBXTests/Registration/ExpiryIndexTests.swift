import Foundation
@testable import PBX
import Testing

@Suite("Expiry index")
struct ExpiryIndexTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func keysFallDueOnlyOnceTheirTimeHasPassed() {
        var index = ExpiryIndex<String>()
        index.file("a", dueBy: start.addingTimeInterval(10.2))
        index.file("b", dueBy: start.addingTimeInterval(20))
        index.file("c", dueBy: start.addingTimeInterval(3_600))
        #expect(index.takeDue(through: start.addingTimeInterval(10)).isEmpty)
        // 10.2 s is due in the bucket of the 11th second: never before its time, at most a second after.
        #expect(index.takeDue(through: start.addingTimeInterval(10.9)).isEmpty)
        #expect(index.takeDue(through: start.addingTimeInterval(11)) == ["a"])
        #expect(index.takeDue(through: start.addingTimeInterval(11)).isEmpty)
        #expect(index.takeDue(through: start.addingTimeInterval(25)) == ["b"])
        #expect(index.count == 1)
    }

    @Test func aLaterTimeKeepsTheEarlierFilingAnEarlierOneMovesItAndNilTakesItOut() {
        var index = ExpiryIndex<String>()
        index.file("refreshed", dueBy: start.addingTimeInterval(10))
        index.file("refreshed", dueBy: start.addingTimeInterval(100))
        index.file("shortened", dueBy: start.addingTimeInterval(100))
        index.file("shortened", dueBy: start.addingTimeInterval(5))
        index.file("removed", dueBy: start.addingTimeInterval(10))
        index.file("removed", dueBy: nil)
        #expect(index.count == 2)
        #expect(index.takeDue(through: start.addingTimeInterval(5)) == ["shortened"])
        // Taken at its first time: the caller looks and files it again for the later one.
        #expect(index.takeDue(through: start.addingTimeInterval(10)) == ["refreshed"])
        index.file("refreshed", dueBy: start.addingTimeInterval(100))
        #expect(index.takeDue(through: start.addingTimeInterval(99)).isEmpty)
        #expect(index.takeDue(through: start.addingTimeInterval(100)) == ["refreshed"])
        #expect(index.count == 0)
    }

    @Test func aTimeAlreadySweptIsDueAtTheNextSweep() {
        var index = ExpiryIndex<String>()
        #expect(index.takeDue(through: start).isEmpty)
        index.file("late", dueBy: start.addingTimeInterval(-60))
        #expect(index.takeDue(through: start.addingTimeInterval(1)) == ["late"])
    }

    @Test func aLongPauseOrABrokenClockNeitherLosesKeysNorTraps() {
        var index = ExpiryIndex<Int>()
        for key in 0..<1_000 { index.file(key, dueBy: start.addingTimeInterval(Double(key % 50))) }
        #expect(index.takeDue(through: start.addingTimeInterval(24)).count == 500)
        // A jump of a year: the due buckets are found from the buckets, not by walking every second.
        #expect(Set(index.takeDue(through: start.addingTimeInterval(365 * 86_400))).count == 500)
        index.file(1, dueBy: Date(timeIntervalSince1970: .nan))
        index.file(2, dueBy: .distantFuture)
        index.file(3, dueBy: Date(timeIntervalSince1970: -.infinity))
        #expect(index.count == 3)
        #expect(index.takeDue(through: start.addingTimeInterval(365 * 86_400 + 1)) == [3])
        // A clock jumping from one end to the other.
        var jumping = ExpiryIndex<Int>()
        jumping.file(7, dueBy: start)
        #expect(jumping.takeDue(through: Date(timeIntervalSince1970: -.infinity)).isEmpty)
        #expect(jumping.takeDue(through: Date(timeIntervalSince1970: .nan)) == [7])
    }
}
