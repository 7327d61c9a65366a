import Defense
import Dialplan
import GeoIP
import NIOCore

/// Trunks, routes and the outbound policy compiled for the call path: patterns parsed, trunk addresses resolved,
/// lookups by name and by source address. Built off the event loops (names may need DNS) and swapped whole.
public struct RoutingTable: Sendable {
    public struct Trunk: Sendable {
        public var settings: TrunkSettings
        /// Nil when the host did not resolve; calls through it fail over to the next trunk.
        public var address: SocketAddress?
    }

    private var trunks: [String: Trunk] = [:]
    private var trunksBySource: [String: Trunk] = [:]
    private var inbound: [(pattern: DialPattern, route: InboundRoute)] = []
    /// Decides every call leaving through a trunk.
    public private(set) var policy = CallPolicy()

    public init() {}

    /// Compiles valid settings (see `RoutingSettings.problems`); what does not parse is left out.
    public init(_ settings: RoutingSettings, policy: OutboundPolicySettings = OutboundPolicySettings(),
                resolve: (String, Int) -> SocketAddress? = RoutingTable.resolve) {
        for trunk in settings.trunks {
            let address = RoutingSettings.hostPort(trunk.host).flatMap { resolve($0.host, $0.port) }
            let compiled = Trunk(settings: trunk, address: address)
            trunks[trunk.name] = compiled
            if let ip = address?.ipAddress { trunksBySource[ip] = compiled }
        }
        let limits = settings.trunks.compactMap { trunk in
            trunk.maxCalls.map { (trunk.name, CallPolicy.TrunkLimit(maxCalls: $0, direction: trunk.maxCallsDirection)) }
        }
        self.policy = CallPolicy(routes: settings.routes, trunkLimits: Dictionary(limits, uniquingKeysWith: { first, _ in first }), settings: policy)
        inbound = settings.inboundRoutes.compactMap { route in (try? DialPattern(parsing: route.did)).map { ($0, route) } }
    }

    /// The inbound route for a number a trunk delivers.
    public func inbound(_ did: String) -> InboundRoute? {
        inbound.first { $0.pattern.matches(did) }?.route
    }

    /// The trunk whose address `ip` is: calls from it are taken without a challenge.
    public func trunk(from ip: String) -> Trunk? { trunksBySource[ip] }

    public func trunk(named name: String) -> Trunk? { trunks[name] }

    public var allTrunks: [Trunk] { Array(trunks.values) }

    /// The addresses trunks were resolved to: the network layer never blocks them automatically.
    public var trunkAddresses: [IPAddress] { trunksBySource.keys.compactMap(IPAddress.init) }

    /// getaddrinfo; blocking, so only called where waiting is harmless (configuration load, never a loop).
    public static func resolve(_ host: String, _ port: Int) -> SocketAddress? {
        (try? SocketAddress(ipAddress: host, port: port)) ?? (try? SocketAddress.makeAddressResolvingHost(host, port: port))
    }
}
