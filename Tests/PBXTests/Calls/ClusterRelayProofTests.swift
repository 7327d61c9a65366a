import Foundation
import Testing
@testable import PBX

struct ClusterRelayProofTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let key: (String) -> String = { "k1:" + String($0.hashValue) }

    @Test func aProofHoldsForItsCallOnlyWithinTheWindowAndUnderTheSameKey() throws {
        let made = ClusterRelayProof(node: "node-1", callID: "abc@portcullis", caller: "1001", callee: "1002", now: now, key: key)
        let read = try #require(ClusterRelayProof(parsing: made.headerValue))
        #expect(read == made)
        #expect(read.holds(callID: "abc@portcullis", caller: "1001", callee: "1002", now: now.addingTimeInterval(29), key: key))
        #expect(!read.holds(callID: "abc@portcullis", caller: "1001", callee: "1003", now: now, key: key), "another number")
        #expect(!read.holds(callID: "abd@portcullis", caller: "1001", callee: "1002", now: now, key: key), "another call")
        #expect(!read.holds(callID: "abc@portcullis", caller: "1009", callee: "1002", now: now, key: key), "another caller")
        #expect(!read.holds(callID: "abc@portcullis", caller: "1001", callee: "1002", now: now.addingTimeInterval(31), key: key), "too late")
        #expect(!read.holds(callID: "abc@portcullis", caller: "1001", callee: "1002", now: now, key: { "k2:" + String($0.hashValue) }),
                "another cluster's key")
        var renamed = read
        renamed.node = "node-2"
        #expect(!renamed.holds(callID: "abc@portcullis", caller: "1001", callee: "1002", now: now, key: key), "another node's name")
    }

    @Test func onlyTheThreeFieldsOnceEachAreRead() {
        for value in ["", "node=a;time=1", "node=a;time=1;mac=x;extra=y", "node=a;node=b;time=1;mac=x", "node=a b;time=1;mac=x",
                      "node=a;time=soon;mac=x", String(repeating: "node=a;", count: 60)] {
            #expect(ClusterRelayProof(parsing: value) == nil, "\(value.prefix(40))")
        }
        #expect(ClusterRelayProof(parsing: "node=a; time=1 ;mac=x")?.node == "a")
    }
}
