import Hummingbird
import Model

/// The network layer: its settings and the block list.
extension AdminRoutes {
    func addNetwork(_ service: AdminService) {
        on(Endpoints.securitySummary) { _ in try await service.securitySummary() }
        on(Endpoints.networkSettings) { _ in try await service.networkSettings() }
        on(Endpoints.updateNetworkSettings) { call in
            try await service.updateNetworkSettings(call.body, caller: call.context.remoteAddress, callerPort: call.context.localPort,
                                                    force: call.flag("force"))
        }
        on(Endpoints.blocks) { call in
            let parameters = call.request.uri.queryParameters
            var query = NetworkBlockQuery(source: parameters.get("source"), defenseType: parameters.get("defenseType"))
            if let limit = parameters.get("limit") {
                guard let value = Int(limit), value > 0 else { throw AdminError(.invalidInput, "limit must be a positive whole number") }
                query.limit = min(value, 1_000_000)
            }
            return ListResponse(items: try await service.blocks(query))
        }
        on(Endpoints.block) { call in try await service.block(call.body, caller: call.context.remoteAddress, actor: call.actor) }
        on(Endpoints.unblock) { call in
            ListResponse(items: try await service.unblock(try call.parameter("target"), actor: call.actor, caller: call.context.remoteAddress))
        }
    }
}
