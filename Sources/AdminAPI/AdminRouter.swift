import Defense
import Foundation
import Hummingbird
import Model
import PBX
import Media
import Prometheus
import SIPStack
import Storage

/// The routes of `/api/v1`, `/healthz` and `/metrics`, the same on the TCP listener and the Unix socket.
enum AdminRouter {
    /// `hosts`: the names the TCP listener answers to besides address literals and localhost.
    static func make(service: AdminService, registry: PrometheusCollectorRegistry, trustedSocket: Bool,
                     hosts: Set<String> = []) -> Router<AdminRequestContext> {
        let router = Router(context: AdminRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        if !trustedSocket { router.add(middleware: HTTPHygieneMiddleware(hosts: hosts)) }
        router.add(middleware: AuthenticationMiddleware(service: service, trustedSocket: trustedSocket))

        router.get("/healthz") { _, _ -> EditedResponse<HealthView> in
            let runtime = service.runtime
            let healthy = runtime?.listeners.allListening ?? true
            return EditedResponse(status: healthy ? .ok : .serviceUnavailable, response: HealthView(
                status: healthy ? "ok" : "degraded", extensions: runtime?.directory.count ?? 0, registrations: runtime?.location.count ?? 0,
                calls: runtime?.router.count ?? 0, mediaSessions: runtime?.media?.openSessions ?? 0,
                pendingRequests: runtime?.router.pendingRequests ?? 0, serverTransactions: runtime?.dispatcher.serverTransactions ?? 0,
                listeners: runtime?.listeners.statuses ?? []))
        }
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }

        let api = router.group("api/v1")
        api.post("setup") { request, context -> CreatedToken in
            try await service.setup(request.decode(as: SetupRequest.self, context: context))
        }
        api.get("extensions") { _, _ in ListResponse(items: try await service.extensions()) }
        api.post("extensions") { request, context -> EditedResponse<ExtensionWithSecret> in
            let created = try await service.createExtension(try await request.decode(as: CreateExtensionRequest.self, context: context))
            return EditedResponse(status: .created, response: created)
        }
        api.get("extensions/:number") { _, context in
            try await service.extensionView(try context.parameters.require("number"))
        }
        api.patch("extensions/:number") { request, context in
            try await service.updateExtension(try context.parameters.require("number"),
                                              try await request.decode(as: UpdateExtensionRequest.self, context: context))
        }
        api.delete("extensions/:number") { _, context -> HTTPResponse.Status in
            try await service.deleteExtension(try context.parameters.require("number"))
            return .noContent
        }
        api.get("registrations") { _, _ in ListResponse(items: try await service.registrations()) }
        api.get("events") { request, _ in
            ListResponse(items: try await service.events(try parameters(request).events()))
        }
        api.get("cdr") { request, context -> Response in
            let records = try await service.callRecords(try parameters(request).calls())
            if request.uri.queryParameters.get("format") == "csv" {
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: CallDetailRecord.csv(records))))
            }
            return try ListResponse(items: records).response(from: request, context: context)
        }
        api.get("tokens") { _, _ in ListResponse(items: try await service.tokens()) }
        api.post("tokens") { request, context -> EditedResponse<CreatedToken> in
            let created = try await service.createToken(name: try await request.decode(as: CreateTokenRequest.self, context: context).name)
            return EditedResponse(status: .created, response: created)
        }
        api.get("config") { request, _ -> Response in
            let yaml = try await service.exportConfiguration(secrets: request.uri.queryParameters.get("secrets") == "true")
            return Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: yaml)))
        }
        api.put("config") { request, context -> ConfigApplyResult in
            let body = try await request.body.collect(upTo: 1 << 20)
            let file = request.uri.queryParameters.get("file") ?? "config.yaml"
            return try await service.applyConfiguration(yaml: String(buffer: body), file: file, caller: context.remoteAddress,
                                                        callerPort: context.localPort, force: force(request))
        }
        addNetworkRoutes(to: api, service: service)
        addRoutingRoutes(to: api, service: service)
        api.get("registration-defense") { _, _ in try await service.registrationDefense() }
        api.put("registration-defense") { request, context in
            try await service.updateRegistrationDefense(
                try await decodeSettings(RegistrationDefenseSettings.self, request, context, what: "registration defense settings"))
        }
        return router
    }

    private static func addNetworkRoutes(to api: RouterGroup<AdminRequestContext>, service: AdminService) {
        api.get("network") { _, _ in try await service.networkSettings() }
        api.put("network") { request, context in
            let settings = try await decodeSettings(NetworkSettings.self, request, context, what: "network settings")
            return try await service.updateNetworkSettings(settings, caller: context.remoteAddress, callerPort: context.localPort,
                                                           force: force(request))
        }
        api.get("network/blocks") { request, _ in
            let parameters = request.uri.queryParameters
            var query = NetworkBlockQuery(source: parameters.get("source"), defenseType: parameters.get("defenseType"))
            if let limit = parameters.get("limit") {
                guard let value = Int(limit), value > 0 else { throw AdminError(.invalidInput, "limit must be a positive whole number") }
                query.limit = min(value, 1_000_000)
            }
            return ListResponse(items: try await service.blocks(query))
        }
        api.post("network/blocks") { request, context -> EditedResponse<NetworkBlockRecord> in
            let body = try await request.decode(as: ManualBlockRequest.self, context: context)
            let created = try await service.block(body, caller: context.remoteAddress, actor: context.caller ?? "unknown")
            return EditedResponse(status: .created, response: created)
        }
        api.delete("network/blocks/:target") { _, context in
            ListResponse(items: try await service.unblock(try context.parameters.require("target"), actor: context.caller ?? "unknown"))
        }
    }

    private static func addRoutingRoutes(to api: RouterGroup<AdminRequestContext>, service: AdminService) {
        api.get("routing") { _, _ in try await service.routing() }
        api.get("trunks") { _, _ in ListResponse(items: try await service.routing().trunks) }
        api.get("routes") { _, _ in ListResponse(items: try await service.routing().routes) }
        api.get("inbound-routes") { _, _ in ListResponse(items: try await service.routing().inboundRoutes) }
        api.post("trunks") { request, context -> EditedResponse<RoutingSettings> in
            let trunk = try await decodeSettings(TrunkSettings.self, request, context, what: "trunk")
            return EditedResponse(status: .created, response: try await service.addTrunk(trunk))
        }
        api.post("routes") { request, context -> EditedResponse<RoutingSettings> in
            let route = try await decodeSettings(OutboundRoute.self, request, context, what: "outbound route")
            return EditedResponse(status: .created, response: try await service.addRoute(route))
        }
        api.post("inbound-routes") { request, context -> EditedResponse<RoutingSettings> in
            let route = try await decodeSettings(InboundRoute.self, request, context, what: "inbound route")
            return EditedResponse(status: .created, response: try await service.addInboundRoute(route))
        }
        for (path, kind) in [("trunks", RoutingKind.trunk), ("routes", .route), ("inbound-routes", .inboundRoute)] {
            api.delete("\(path)/:name") { _, context in
                try await service.removeRouting(kind, named: try context.parameters.require("name"))
            }
        }
        api.get("outbound-policy") { _, _ in try await service.outboundPolicy() }
        api.put("outbound-policy") { request, context in
            try await service.setOutboundPolicy(try await decodeSettings(OutboundPolicySettings.self, request, context, what: "outbound policy"))
        }
        api.get("outbound-locks") { _, _ in ListResponse(items: try await service.outboundLocks()) }
        api.delete("outbound-locks/:extension") { _, context in
            ListResponse(items: try await service.unlockOutbound(try context.parameters.require("extension"), actor: context.caller ?? "unknown"))
        }
    }

    /// A JSON body decoded here rather than by Hummingbird, so a wrong field is named in the problem detail.
    private static func decodeSettings<T: Decodable>(_ type: T.Type, _ request: Request, _ context: AdminRequestContext,
                                                     what: String) async throws -> T {
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        do {
            return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            throw AdminError(.invalidInput, "the body is not valid \(what): \(error.readable)")
        }
    }

    private static func parameters(_ request: Request) -> QueryParameters {
        QueryParameters(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
    }

    private static func force(_ request: Request) -> Bool {
        request.uri.queryParameters.get("force").map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
    }
}
