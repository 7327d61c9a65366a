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
    /// Tells every node listening (this one too) `payload`, within the store's own delivery (PostgreSQL's NOTIFY).
    func announce(_ payload: String) async throws
    /// Calls `listening` once announcements flow, then hands every announcement to `receive` until the connection is
    /// lost (throws) or the task is cancelled.
    func listen(listening: @escaping @Sendable () async -> Void, _ receive: @escaping @Sendable (String) async -> Void) async throws
}
