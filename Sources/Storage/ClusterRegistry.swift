import Foundation
import Model

/// Nodes that share one store see each other through it. Only a shared engine (PostgreSQL) has one; the embedded
/// SQLite file serves a single node.
public protocol ClusterRegistry: Sendable {
    /// Takes `node.name` for this process: true unless another node by that name is alive (heartbeat after
    /// `aliveSince`, not stopped); then nothing changes.
    func join(_ node: ClusterNode, aliveSince: Date) async throws -> Bool
    /// The node's heartbeat and load.
    func heartbeat(_ node: ClusterNode) async throws
    /// It shut down in order.
    func leave(_ name: String, at time: Date) async throws
    func nodes() async throws -> [ClusterNode]
}
