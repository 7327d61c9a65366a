import Defense
import DefenseRuntime
import Events
import Foundation
import Model
import Notifications
import PBX
import Storage

/// `cluster status`: the nodes sharing this store, their health and load; and taking up what another node changed.
extension AdminService {
    /// Another node changed `section` of the shared configuration: this node reads the store again and applies it as
    /// if the change had been made here (extensions with the SIP settings, routing with the outbound policy, the
    /// network settings, the login defense, notification contacts, the SSH console). Sections read from the store
    /// at each use (users, roles, tokens) need nothing. A section that cannot be applied is logged as an event.
    public func adoptSharedChange(_ section: String) async {
        await endRevokedSSHSessions(after: section)
        do {
            switch section {
            case "extensions", "configuration", "sip", "registration defense":
                let records = try await storeCall { try await store.extensions() }
                let removed = Set(try await live.bindings().map(\.aor)).subtracting(records.map(\.number))
                live.configurationApplied(extensions: records, removed: removed, sip: try await settings(SIPSettings.self))
                if section == "configuration" {
                    try await adoptRoutingAndNetwork()
                    try await loadLoginDefense()
                    await notifier?.reload()
                }
            case "routing", "outbound":
                try await adoptRoutingAndNetwork()
            case "network":
                try await network.load()
            case "login defense":
                try await loadLoginDefense()
            case "notifications":
                await notifier?.reload()
            case "ssh":
                try await startSSHConsole()
            case Self.outboundLocksSection:
                live.adoptOutboundLocks(try await storeCall { try await store.stored([String: OutboundLock].self, key: PBXRuntime.outboundLocksKey) } ?? [:])
            default:
                return
            }
        } catch {
            await live.record(PortcullisEvent(EventCatalogue.configurationChanged, fields: [
                "section": section, "error": "a change made on another node could not be applied here: \(error)",
            ]))
        }
    }

    /// After this node missed announcements (its listening connection was lost): every shared section read again.
    public func resyncFromStore() async {
        // "configuration" reads every section a configuration file holds, the login defense and notifications included.
        for section in ["configuration", Self.outboundLocksSection] { await adoptSharedChange(section) }
    }

    private func adoptRoutingAndNetwork() async throws {
        try live.routingChanged(try await settings(RoutingSettings.self), policy: try await settings(OutboundPolicySettings.self))
        try await network.load()
    }

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
