import Defense
import Events
import Foundation
import Model
import PBX
import Storage

/// Trunks, outbound routes and inbound routes: one stored setting, validated whole on every change, live at once.
/// Trunk passwords are kept to answer providers' challenges and never leave the server.
extension AdminService {
    /// What is routed, without trunk passwords.
    public func routing() async throws(AdminError) -> RoutingSettings {
        var routing = try await storedRouting()
        let statuses = live.trunkStatuses
        for index in routing.trunks.indices {
            routing.trunks[index].password = nil
            routing.trunks[index].status = routing.trunks[index].registers ? statuses[routing.trunks[index].name] ?? "not running" : nil
        }
        return routing
    }

    public func addTrunk(_ trunk: TrunkSettings) async throws(AdminError) -> RoutingSettings {
        var trunk = trunk
        trunk.status = nil
        return try await changeRouting("added trunk \(trunk.name)") { routing throws(AdminError) in
            guard !routing.trunks.contains(where: { $0.name == trunk.name }) else { throw AdminError(.conflict, "trunk '\(trunk.name)' already exists") }
            routing.trunks.append(trunk)
        }
    }

    public func addRoute(_ route: OutboundRoute) async throws(AdminError) -> RoutingSettings {
        try await changeRouting("added route \(route.name)") { routing throws(AdminError) in
            guard !routing.routes.contains(where: { $0.name == route.name }) else { throw AdminError(.conflict, "route '\(route.name)' already exists") }
            routing.routes.append(route)
        }
    }

    /// Puts an outbound route at `position` (0 first): routes are tried in order, the first whose pattern matches wins.
    public func moveRoute(_ name: String, to position: Int) async throws(AdminError) -> RoutingSettings {
        try await changeRouting("moved route \(name) to position \(position)") { routing throws(AdminError) in
            guard let index = routing.routes.firstIndex(where: { $0.name == name }) else { throw AdminError(.notFound, "route '\(name.prefix(64))' does not exist") }
            guard (0..<routing.routes.count).contains(position) else {
                throw AdminError(.invalidInput, "position: must be 0-\(routing.routes.count - 1)", problems: ["position: must be 0-\(routing.routes.count - 1)"])
            }
            routing.routes.insert(routing.routes.remove(at: index), at: position)
        }
    }

    public func addInboundRoute(_ route: InboundRoute) async throws(AdminError) -> RoutingSettings {
        try await changeRouting("added inbound route \(route.name)") { routing throws(AdminError) in
            guard !routing.inboundRoutes.contains(where: { $0.name == route.name }) else {
                throw AdminError(.conflict, "inbound route '\(route.name)' already exists")
            }
            routing.inboundRoutes.append(route)
        }
    }

    /// Removes a trunk (refused while a route uses it), a route or an inbound route by name.
    public func removeRouting(_ kind: RoutingKind, named name: String) async throws(AdminError) -> RoutingSettings {
        try await changeRouting("removed \(kind.rawValue) \(name)") { routing throws(AdminError) in
            let before = routing
            switch kind {
            case .trunk:
                let users = routing.routes.filter { $0.trunks.contains(name) }.map(\.name)
                guard users.isEmpty else {
                    throw AdminError(.conflict, "trunk '\(name)' is used by route(s) \(users.joined(separator: ", ")); remove it there first")
                }
                routing.trunks.removeAll { $0.name == name }
            case .route: routing.routes.removeAll { $0.name == name }
            case .inboundRoute: routing.inboundRoutes.removeAll { $0.name == name }
            }
            guard routing != before else { throw AdminError(.notFound, "\(kind.rawValue) '\(name)' does not exist") }
        }
    }

    /// Routing as stored: trunk passwords sealed, route PINs as fingerprints.
    func storedRouting() async throws(AdminError) -> RoutingSettings {
        try await settings(RoutingSettings.self)
    }

    /// Applies `change` (described for the event as `what`), checks, stores and applies the result.
    private func changeRouting(_ what: String, _ change: (inout RoutingSettings) throws(AdminError) -> Void) async throws(AdminError) -> RoutingSettings {
        var routing = try await storedRouting()
        try change(&routing)
        let numbers = Set(try await storeCall { try await store.extensions() }.map(\.number))
        let policy = try await outboundPolicy()
        let problems = routing.problems(extensions: numbers, policy: policy)
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        let sealed = routing.sealed(with: secrets)
        try await storeCall { try await store.save(sealed) }
        try live.routingChanged(sealed, policy: policy)
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "routing", "change": what]))
        return try await self.routing()
    }
}

/// What `removeRouting` removes.
public enum RoutingKind: String, Sendable, CaseIterable {
    case trunk
    case route
    case inboundRoute = "inbound route"
}
