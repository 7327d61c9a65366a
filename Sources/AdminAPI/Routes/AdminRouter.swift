import Hummingbird
import Prometheus

/// The routes of `/api/v1`, `/healthz` and `/metrics`, the same on the TCP listener, the Unix socket and in-process
/// calls of the CLI.
public enum AdminRouter {
    /// `access` says who the callers are and how they prove it.
    public static func make(service: AdminService, registry: PrometheusCollectorRegistry, access: AdminAccess) -> Router<AdminRequestContext> {
        let router = Router(context: AdminRequestContext.self)
        if case .network = access { router.add(middleware: SecurityHeadersMiddleware<AdminRequestContext>()) }
        router.add(middleware: ProblemMiddleware())
        if case .network(let hosts, _) = access { router.add(middleware: HTTPHygieneMiddleware(hosts: hosts)) }
        router.add(middleware: AuthenticationMiddleware(service: service, access: access))
        let routes = AdminRoutes(router)
        routes.addSystem(service, registry: registry)
        routes.addExtensions(service)
        routes.addNetwork(service)
        routes.addRouting(service)
        routes.addAccounts(service)
        let document = OpenAPIDocument(routes.described + [Endpoints.openAPI.description])
        routes.on(Endpoints.openAPI) { _ in document }
        return router
    }
}
