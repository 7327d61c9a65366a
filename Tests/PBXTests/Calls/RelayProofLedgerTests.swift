import Foundation
import Testing
@testable import PBX

struct RelayProofLedgerTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func proof(_ callID: String, at time: Date) -> ClusterRelayProof {
        ClusterRelayProof(node: "node-1", callID: callID, caller: "1001", callee: "1002", now: time, key: { "k:" + $0 })
    }

    @Test func aProofIsTakenOnceAndASecondTransactionWithItIsAReplay() {
        var ledger = RelayProofLedger()
        let first = proof("a@portcullis", at: now)
        #expect(ledger.take(first, branch: "z9hG4bK1") == .first)
        #expect(ledger.take(first, branch: "z9hG4bK2") == .replayed, "the same proof on a new transaction")
        #expect(ledger.take(first, branch: "z9hG4bK1") == .replayed, "the same transaction again once its call was taken")
        #expect(ledger.take(proof("b@portcullis", at: now), branch: "z9hG4bK2") == .first, "another call's proof")
    }

    @Test func aRetransmissionOfAnInviteRefusedAtOnceIsRefusedTheSameWay() {
        var ledger = RelayProofLedger()
        let refused = proof("a@portcullis", at: now)
        #expect(ledger.take(refused, branch: "z9hG4bK1") == .first)
        ledger.refused(refused, status: 480)
        #expect(ledger.take(refused, branch: "z9hG4bK1") == .refusedBefore(status: 480))
        #expect(ledger.take(refused, branch: "z9hG4bK9") == .replayed)
    }

    @Test func aProofIsForgottenOnlyOnceItNoLongerHolds() {
        var ledger = RelayProofLedger()
        let used = proof("a@portcullis", at: now)
        _ = ledger.take(used, branch: "z9hG4bK1")
        ledger.expire(now: now.addingTimeInterval(ClusterRelayProof.window))
        #expect(ledger.take(used, branch: "z9hG4bK2") == .replayed, "still within the window")
        ledger.expire(now: now.addingTimeInterval(ClusterRelayProof.window + 2))
        #expect(ledger.count == 0)
    }

    @Test func aFullLedgerRefusesNewProofsInsteadOfForgettingOldOnes() {
        var ledger = RelayProofLedger(capacity: 2)
        let (a, b) = (proof("a@portcullis", at: now), proof("b@portcullis", at: now))
        #expect(ledger.take(a, branch: "1") == .first)
        #expect(ledger.take(b, branch: "2") == .first)
        #expect(ledger.take(proof("c@portcullis", at: now), branch: "3") == .full)
        #expect(ledger.take(a, branch: "4") == .replayed, "nothing was forgotten to make room")
        ledger.expire(now: now.addingTimeInterval(ClusterRelayProof.window + 2))
        #expect(ledger.take(proof("c@portcullis", at: now.addingTimeInterval(40)), branch: "3") == .first)
    }
}
