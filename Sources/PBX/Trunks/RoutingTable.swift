import Dialplan
import NIOCore

/// Trunks and routes compiled for the call path: patterns parsed, trunk addresses resolved, lookups by name and by
/// source address. Built off the event loops (names may need DNS) and swapped whole.
public struct RoutingTable: Sendable {
    public struct Trunk: Sendable {
        public var settings: TrunkSettings
        /// Nil when the host did not resolve; calls through it fail over to the next trunk.
        public var address: SocketAddress?
    }

    struct Route: Sendable {
        var name: String
        var patterns: [(pattern: DialPattern, rewrite: NumberRewrite)]
        var trunks: [String]
        var extensions: Set<String>
    }

    /// The outcome of routing a dialed number.
    public struct Outbound: Sendable {
        public var route: String
        public var number: String
        public var trunks: [Trunk]
    }

    private var trunks: [String: Trunk] = [:]
    private var trunksBySource: [String: Trunk] = [:]
    private var routes: [Route] = []
    private var inbound: [(pattern: DialPattern, route: InboundRoute)] = []

    public init() {}

    /// Compiles valid settings (see `RoutingSettings.problems`); what does not parse is left out.
    public init(_ settings: RoutingSettings, resolve: (String, Int) -> SocketAddress? = RoutingTable.resolve) {
        for trunk in settings.trunks {
            let address = RoutingSettings.hostPort(trunk.host).flatMap { resolve($0.host, $0.port) }
            let compiled = Trunk(settings: trunk, address: address)
            trunks[trunk.name] = compiled
            if let ip = address?.ipAddress { trunksBySource[ip] = compiled }
        }
        routes = settings.routes.map { route in
            Route(name: route.name, patterns: route.patterns.compactMap { pattern in
                (try? DialPattern(parsing: pattern.pattern)).map { ($0, NumberRewrite(strip: pattern.strip, prepend: pattern.prepend)) }
            }, trunks: route.trunks, extensions: Set(route.extensions))
        }
        inbound = settings.inboundRoutes.compactMap { route in (try? DialPattern(parsing: route.did)).map { ($0, route) } }
    }

    /// The first route whose pattern matches `dialed` and that permits `caller`, with the number it sends.
    public func outbound(_ dialed: String, caller: String) -> Outbound? {
        for route in routes where route.extensions.isEmpty || route.extensions.contains(caller) {
            guard let match = route.patterns.first(where: { $0.pattern.matches(dialed) }) else { continue }
            return Outbound(route: route.name, number: match.rewrite.apply(dialed), trunks: route.trunks.compactMap { trunks[$0] })
        }
        return nil
    }

    /// The inbound route for a number a trunk delivers.
    public func inbound(_ did: String) -> InboundRoute? {
        inbound.first { $0.pattern.matches(did) }?.route
    }

    /// The trunk whose address `ip` is: calls from it are taken without a challenge.
    public func trunk(from ip: String) -> Trunk? { trunksBySource[ip] }

    public func trunk(named name: String) -> Trunk? { trunks[name] }

    public var allTrunks: [Trunk] { Array(trunks.values) }

    /// getaddrinfo; blocking, so only called where waiting is harmless (configuration load, never a loop).
    public static func resolve(_ host: String, _ port: Int) -> SocketAddress? {
        (try? SocketAddress(ipAddress: host, port: port)) ?? (try? SocketAddress.makeAddressResolvingHost(host, port: port))
    }
}
