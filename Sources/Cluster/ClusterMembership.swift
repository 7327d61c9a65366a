import Foundation
import Logging
import Model
import ServiceLifecycle
import Storage

/// This node's place in the cluster: it joins under its name at start (refused while another node by that name is
/// alive), beats every `ClusterNode.heartbeat` with its load, and leaves when it shuts down in order. A heartbeat
/// the store does not take is logged and tried again at the next beat; the node keeps serving.
public struct ClusterMembership: Service {
    private let registry: any ClusterRegistry
    private let node: ClusterNode
    private let load: @Sendable () -> (registrations: Int, calls: Int)
    private let observe: @Sendable ([ClusterNode]) async -> Void
    private let logger: Logger

    public enum JoinError: Error, CustomStringConvertible {
        case nameTaken(String)
        public var description: String {
            switch self {
            case .nameTaken(let name): "another node named \(name) is alive in this cluster: give this one its own --node name"
            }
        }
    }

    /// Joins, or throws `JoinError.nameTaken`. `observe` sees every node as the store lists them, at each beat.
    public static func join(_ registry: any ClusterRegistry, name: String, address: String, now: Date = Date(),
                            load: @escaping @Sendable () -> (registrations: Int, calls: Int),
                            observe: @escaping @Sendable ([ClusterNode]) async -> Void = { _ in }, logger: Logger) async throws -> ClusterMembership {
        let node = ClusterNode(name: name, address: address, version: PortcullisVersion.current, startedAt: now, heartbeatAt: now)
        guard try await registry.join(node, aliveSince: now.addingTimeInterval(-ClusterNode.missingAfter)) else { throw JoinError.nameTaken(name) }
        await observe(try await registry.nodes())
        return ClusterMembership(registry: registry, node: node, load: load, observe: observe, logger: logger)
    }

    public func run() async {
        await cancelWhenGracefulShutdown {
            var node = self.node
            while (try? await Task.sleep(for: .seconds(ClusterNode.heartbeat))) != nil {
                node.heartbeatAt = Date()
                (node.registrations, node.calls) = load()
                do {
                    try await registry.heartbeat(node)
                    await observe(try await registry.nodes())
                } catch {
                    logger.warning("cluster heartbeat not stored", metadata: ["node": "\(node.name)", "error": "\(error)"])
                }
            }
        }
        try? await registry.leave(node.name, at: Date())
    }
}
