import Defense
import DefenseRuntime
import Events
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import PBX
import Logging
import Prometheus
import ServiceLifecycle
import SIPStack

/// The admin API's listeners: HTTPS over TCP (127.0.0.1:8088 by default; tokens or sessions), optionally a plain HTTP
/// one that only redirects there, and a Unix socket in the data directory with owner-only permissions, which the CLI
/// uses. The network guard (service `https`, and `api` on the redirect listener) watches the TCP listeners; the socket is guarded by its file permissions.
/// `pages` adds the web portal's routes to the HTTPS listener (not to the socket).
public enum AdminServer {
    /// Connections to the TCP listener at once, and from one address: an administrator's browser opens a few.
    public static let maxConnections = 256
    public static let maxPerSource = 32
    /// A connection without a byte for this long is closed.
    public static let idleTimeout: TimeAmount = .seconds(60)

    public static func services(service: AdminService, runtime: PBXRuntime, registry: PrometheusCollectorRegistry, listen: APIListenAddress,
                                certificate: APICertificate, redirect: APIListenAddress?, socketPath: String,
                                pages: (Router<AdminRequestContext>) -> Void = { _ in }, logger: Logger) throws -> [any Service] {
        let limiter = ConnectionLimiter(maxTotal: maxConnections, maxPerSource: maxPerSource)
        let refusals = ConnectionRefusals(service: "api", bus: runtime.bus)
        let http1 = { (service: NetworkService) in HTTP1Channel.Configuration(
            additionalChannelHandlers: [HTTPNetworkGuard(shards: runtime.network.shards, service: service, limiter: limiter, refusals: refusals)],
            idleTimeout: idleTimeout) }
        let router = AdminRouter.make(service: service, registry: registry, access: .network(hosts: [listen.host.lowercased()], scheme: "HTTPS"))
        pages(router)
        let tcp = Application(
            router: router,
            server: .https(http1(.https), tlsConfiguration: certificate.tlsConfiguration(), listen: listen),
            configuration: ApplicationConfiguration(address: .hostname(listen.host, port: listen.port), serverName: nil),
            logger: logger)
        var services: [any Service] = [tcp]
        if let redirect {
            services.append(Application(router: HTTPSRedirect.router(to: listen), server: .http1(configuration: http1(.api)),
                                        configuration: ApplicationConfiguration(address: .hostname(redirect.host, port: redirect.port), serverName: nil),
                                        logger: logger))
        }
        try? FileManager.default.removeItem(atPath: socketPath)
        let local = Application(
            router: AdminRouter.make(service: service, registry: registry, access: .socket),
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socketPath), serverName: nil),
            onServerRunning: { _ in
                chmod(socketPath, 0o600)
            },
            logger: logger)
        return services + [local]
    }
}
