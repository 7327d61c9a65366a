import Hummingbird
import Prometheus

/// The routes of `/api/v1`, `/healthz` and `/metrics`, the same on the TCP listener, the Unix socket and in-process
/// calls of the CLI.
public enum AdminRouter {
    /// `trusted`: the owner-only Unix socket or the CLI in-process, where the file permissions are the
    /// authentication. `hosts`: the names the TCP listener answers to besides address literals and localhost.
    public static func make(service: AdminService, registry: PrometheusCollectorRegistry, trusted: Bool,
                            hosts: Set<String> = [], scheme: String = "HTTP") -> Router<AdminRequestContext> {
        let router = Router(context: AdminRequestContext.self)
        if !trusted { router.add(middleware: SecurityHeadersMiddleware<AdminRequestContext>()) }
        router.add(middleware: ProblemMiddleware())
        if !trusted { router.add(middleware: HTTPHygieneMiddleware(hosts: hosts)) }
        router.add(middleware: AuthenticationMiddleware(service: service, trustedSocket: trusted, scheme: scheme))
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
