import SIPCore
import Testing

struct PooledRandomNumberGeneratorTests {
    /// Three refills of the pool: no value repeats and none is zero (an unfilled pool hands out zeros).
    @Test func valuesAcrossRefillsAreFreshAndNeverRepeat() {
        var random = PooledRandomNumberGenerator()
        let values = (0..<2_000).map { _ in random.next() }
        #expect(Set(values).count == values.count)
        #expect(!values.contains(0))
        #expect(UInt64.random(in: 1...6, using: &random) <= 6)
    }
}
