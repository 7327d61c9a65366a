@testable import Storage
import Testing

@Suite("Write-behind batches giving way")
struct GivingWayTests {
    private struct Refused: Error {}

    /// Offering the CPU between rows must not change what a batch writes: every row, in order, and a failing row
    /// ends the batch (its transaction is rolled back and the queue keeps it).
    @Test func everyElementInOrderAndAFailureEndsTheBatch() {
        var seen: [Int] = []
        Array(0..<200).forEachGivingWay(every: 64) { seen.append($0) }
        #expect(seen == Array(0..<200))
        seen = []
        #expect(throws: Refused.self) {
            try Array(0..<200).forEachGivingWay(every: 7) { value in
                if value == 100 { throw Refused() }
                seen.append(value)
            }
        }
        #expect(seen == Array(0..<100))
    }
}
