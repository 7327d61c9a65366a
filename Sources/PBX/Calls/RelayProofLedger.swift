import Foundation

/// The relay proofs a node has taken while they still hold, so that a relayed INVITE captured on the wire and sent
/// again rings nobody. A retransmission of a call the router took never gets here (the router absorbs it); one of an
/// INVITE answered at once (no call kept) gets the same answer again; any other second use of a proof is a replay.
/// Pure and bounded: a full ledger refuses rather than forgets, since forgetting would let a replay in.
struct RelayProofLedger {
    /// Every relayed fork has a Call-ID of its own, so this is how many relayed calls a node takes within a minute.
    static let capacity = 50_000

    enum Verdict: Equatable {
        /// The proof's first use: take the call.
        case first
        /// A retransmission of an INVITE refused at once: refuse it again with this status.
        case refusedBefore(status: Int)
        /// The proof used again on another transaction, or after its call was over.
        case replayed
        /// No room to remember the proof.
        case full
    }

    private struct Use {
        var branch: String
        var until: Int64
        var refusal: Int?
    }

    private var used: [String: Use] = [:]
    private let capacity: Int

    init(capacity: Int = Self.capacity) {
        self.capacity = capacity
    }

    var count: Int { used.count }

    /// Records `proof` for the transaction `branch`. Only a proof that held is recorded, so nobody without the
    /// cluster's key fills the ledger.
    mutating func take(_ proof: ClusterRelayProof, branch: String) -> Verdict {
        if let earlier = used[proof.mac] {
            guard earlier.branch == branch, let status = earlier.refusal else { return .replayed }
            return .refusedBefore(status: status)
        }
        guard used.count < capacity else { return .full }
        used[proof.mac] = Use(branch: branch, until: proof.time + Int64(ClusterRelayProof.window) + 1)
        return .first
    }

    /// The INVITE that first used `proof` was refused at once with `status`.
    mutating func refused(_ proof: ClusterRelayProof, status: Int) {
        used[proof.mac]?.refusal = status
    }

    /// Forgets proofs that no longer hold anyway.
    mutating func expire(now: Date) {
        let seconds = Int64(now.timeIntervalSince1970)
        used = used.filter { $0.value.until >= seconds }
    }
}
