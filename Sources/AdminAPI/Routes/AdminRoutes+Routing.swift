import Hummingbird
import PBX

/// Trunks, outbound and inbound routes, the outbound policy and the extensions it locked.
extension AdminRoutes {
    func addRouting(_ service: AdminService) {
        on(Endpoints.routing) { _ in try await service.routing() }
        on(Endpoints.trunks) { _ in ListResponse(items: try await service.routing().trunks) }
        on(Endpoints.routes) { _ in ListResponse(items: try await service.routing().routes) }
        on(Endpoints.inboundRoutes) { _ in ListResponse(items: try await service.routing().inboundRoutes) }
        on(Endpoints.addTrunk) { call in try await service.addTrunk(call.body) }
        on(Endpoints.addRoute) { call in try await service.addRoute(call.body) }
        on(Endpoints.addInboundRoute) { call in try await service.addInboundRoute(call.body) }
        on(Endpoints.removeTrunk) { call in try await service.removeRouting(.trunk, named: try call.parameter("name")) }
        on(Endpoints.moveRoute) { call in try await service.moveRoute(try call.parameter("name"), to: call.body.position) }
        on(Endpoints.removeRoute) { call in try await service.removeRouting(.route, named: try call.parameter("name")) }
        on(Endpoints.removeInboundRoute) { call in try await service.removeRouting(.inboundRoute, named: try call.parameter("name")) }
        on(Endpoints.outboundPolicy) { _ in try await service.outboundPolicy() }
        on(Endpoints.setOutboundPolicy) { call in try await service.setOutboundPolicy(call.body) }
        on(Endpoints.outboundLocks) { _ in ListResponse(items: try await service.outboundLocks()) }
        on(Endpoints.unlockOutbound) { call in ListResponse(items: try await service.unlockOutbound(try call.parameter("extension"))) }
    }
}
