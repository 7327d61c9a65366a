import Foundation
import Model
import NIOCore
import SIPStack
import Synchronization

/// The cluster-wide half of the location service: which other nodes hold devices of each extension, and where each
/// live node takes relayed calls. A call to an extension with devices on node B is sent to B, which rings them over
/// the flows it holds (NAT). Filled from the store when a node starts or reconnects and kept current by the nodes'
/// announcements; a node that stops or goes missing is forgotten at once.
public final class RemoteLocations: Sendable {
    private struct State {
        /// Extension -> nodes with at least one of its devices.
        var holders: [String: Set<String>] = [:]
        /// Live nodes -> where they take relayed calls.
        var peers: [String: SIPPeer] = [:]
        var entries = 0
    }

    private let state = Mutex(State())
    /// Entries (extension, node) kept at most: announcements come from the shared store, yet every table is bounded.
    public static let limit = 2_000_000

    public init() {}

    /// Extension `aor` gained its first device on `node`, or lost its last one there.
    public func set(_ aor: String, node: String, present: Bool) {
        state.withLock { state in
            if present {
                guard state.entries < Self.limit, state.holders[aor, default: []].insert(node).inserted else { return }
                state.entries += 1
            } else if state.holders[aor]?.remove(node) != nil {
                state.entries -= 1
                if state.holders[aor]?.isEmpty == true { state.holders[aor] = nil }
            }
        }
    }

    /// Every other node's unexpired bindings as the store holds them (at start and after a lost connection).
    public func replace(with records: [BindingRecord], except node: String, now: Date) {
        var holders: [String: Set<String>] = [:]
        var entries = 0
        for record in records where record.expiresAt > now && entries < Self.limit {
            guard let holder = record.node, holder != node, holders[record.aor, default: []].insert(holder).inserted else { continue }
            entries += 1
        }
        state.withLock { state in
            state.holders = holders
            state.entries = entries
        }
    }

    /// The live nodes and where each takes relayed calls; a node missing from `peers` holds nothing reachable.
    public func update(peers: [String: SIPPeer]) {
        state.withLock { state in
            let gone = Set(state.peers.keys).subtracting(peers.keys)
            state.peers = peers
            guard !gone.isEmpty else { return }
            for (aor, nodes) in state.holders where !nodes.isDisjoint(with: gone) {
                let kept = nodes.subtracting(gone)
                state.entries -= nodes.count - kept.count
                state.holders[aor] = kept.isEmpty ? nil : kept
            }
        }
    }

    /// Where to relay a call to `aor`: each live node with a device of it, in name order.
    public func nodes(for aor: String) -> [(node: String, peer: SIPPeer)] {
        state.withLock { state in
            (state.holders[aor] ?? []).sorted().compactMap { node in state.peers[node].map { (node, $0) } }
        }
    }

    /// Whether `node` is live and relays from `ip` (several nodes may share one address on different ports).
    public func isLive(_ node: String, at ip: String) -> Bool {
        state.withLock { $0.peers[node]?.ip == ip }
    }
}
