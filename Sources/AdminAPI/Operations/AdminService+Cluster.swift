import Foundation
import Model
import Storage

/// `cluster status`: the nodes sharing this store, their health and load.
extension AdminService {
    public func clusterStatus(now: Date = Date()) async throws(AdminError) -> ClusterStatus {
        guard let registry = store as? any ClusterRegistry else { return ClusterStatus(shared: false, node: nodeName, nodes: []) }
        let nodes = try await storeCall { try await registry.nodes() }
        return ClusterStatus(shared: true, node: nodeName, nodes: nodes.map { ClusterNodeView($0, now: now) })
    }
}

/// `GET /api/v1/cluster`. `shared` false: the embedded store, one node.
public struct ClusterStatus: Codable, Sendable {
    public var shared: Bool
    /// The node answering.
    public var node: String?
    public var nodes: [ClusterNodeView]
}

public struct ClusterNodeView: Codable, Sendable {
    public var name: String
    public var address: String
    public var version: String
    public var health: ClusterNode.Health
    public var startedAt: Date
    public var heartbeatAt: Date
    public var stoppedAt: Date?
    public var registrations: Int
    public var calls: Int

    init(_ node: ClusterNode, now: Date) {
        name = node.name
        address = node.address
        version = node.version
        health = node.health(at: now)
        startedAt = node.startedAt
        heartbeatAt = node.heartbeatAt
        stoppedAt = node.stoppedAt
        registrations = node.registrations
        calls = node.calls
    }
}
