import DefenseRuntime
import Events
import GeoIP
import Logging
import Foundation
import Model
import NIOCore
import SIPStack
import Storage
import Synchronization

extension PBXRuntime {
    /// The other nodes as one heartbeat saw them: where the live ones take relayed calls, and which are missing.
    struct ClusterView {
        var peers: [String: SIPPeer]
        /// Missing nodes and their last heartbeat.
        var missing: [String: Date]
    }

    /// Pure: each other live node's relay address (`udp:HOST:PORT`, as it joined with), and the nodes gone missing
    /// (stopped beating without leaving). A node that left in order released nothing it needs to be taken from it.
    static func view(of nodes: [ClusterNode], except node: String, now: Date) -> ClusterView {
        var view = ClusterView(peers: [:], missing: [:])
        for other in nodes where other.name != node {
            switch other.health(at: now) {
            case .alive:
                guard let address = try? SIPListenAddress(parsing: other.address),
                      let socket = try? SocketAddress(ipAddress: address.host, port: address.port) else { continue }
                view.peers[other.name] = SIPPeer(address: socket, transport: .udp)
            case .missing:
                view.missing[other.name] = other.heartbeatAt
            case .stopped:
                break
            }
        }
        return view
    }

    /// What a heartbeat saw, applied: calls are relayed to live nodes only, their addresses are never blocked
    /// automatically; a node that went missing has (once per absence, by the live node first by name) its bindings
    /// released so its phones can register on another node, its outbound calls ended in the ledger and the records of
    /// its calls that were up written, with one "Cluster Node Missing" for the cluster.
    public func observe(_ nodes: [ClusterNode], now: Date = Date()) async {
        guard let node = configuration.node else { return }
        let view = Self.view(of: nodes, except: node, now: now)
        remote.update(peers: view.peers)
        await network.update(clusterPeers: view.peers.values.compactMap { IPAddress($0.address) })
        let (appeared, newlyMissing) = clusterWatch.withLock { watch in
            defer { watch = (Set(view.peers.keys), Set(view.missing.keys)) }
            return (Set(view.peers.keys).subtracting(watch.alive), view.missing.keys.sorted().filter { !watch.released.contains($0) })
        }
        // A node that (re)joined is known by its bindings in the store, which it keeps writing as its phones refresh.
        if !appeared.isEmpty, let bindings = try? await store.bindings() { remote.replace(with: bindings, except: node, now: now) }
        // The live node first by name releases and tells; should it die too, the next one does.
        guard view.peers.keys.allSatisfy({ node < $0 }) else { return }
        for missing in newlyMissing {
            do {
                let released = try await store.removeBindings(node: missing)
                if let ledger = store as? any OutboundLedger { _ = try await ledger.endOutboundCalls(node: missing, at: now) }
                let closed = try await (store as? any CallJournal)?.closeOpenCalls(node: missing, at: view.missing[missing] ?? now,
                                                                                     cause: "node \(missing) stopped answering") ?? 0
                bus.publish(PortcullisEvent(EventCatalogue.clusterNodeMissing, time: now, fields: [
                    "missing": missing, "bindings": String(released), "calls": String(closed)]))
            } catch {
                // Tried again at the next beat.
                clusterWatch.withLock { _ = $0.released.remove(missing) }
                logger.warning("bindings of a missing node not released", metadata: ["node": "\(missing)", "error": "\(error)"])
            }
        }
    }
}
