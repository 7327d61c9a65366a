import SIPCore
import Testing

@Suite("Sharded dictionary")
struct ShardedDictionaryTests {
    /// Far past its reservation: every key is found with its latest value, replacing never counts twice, and
    /// removing a key that is not there changes nothing.
    @Test func behavesAsOneDictionary() {
        var table = ShardedDictionary<String, Int>(minimumCapacity: 256)
        for number in 0..<20_000 { table["key\(number)"] = number }
        for number in stride(from: 0, to: 20_000, by: 2) { table["key\(number)"] = -number }
        #expect(table.count == 20_000)
        #expect((0..<20_000).allSatisfy { table["key\($0)"] == ($0 % 2 == 0 ? -$0 : $0) })
        for number in 0..<10_000 { table["key\(number)"] = nil }
        table["never"] = nil
        #expect(table.count == 10_000 && table["key9999"] == nil && table["key10000"] == -10_000)
    }
}
