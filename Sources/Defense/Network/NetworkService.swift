import Model

/// What a listener serves; rules, blocks and country lists are per service, so a SIP flood does not lock the
/// operator out of the admin API and the reverse.
public enum NetworkService: String, StrictChoice {
    case sip
    /// The admin API and portal over HTTP.
    case api
    case https
    case ssh

    var bit: UInt8 { 1 << UInt8(NetworkService.allCases.firstIndex(of: self) ?? 0) }

    /// What a block or static rule naming this service covers: the admin listener is one service whether reached over
    /// HTTPS (`https`) or the plain redirect listener (`api`), so a block for either refuses both. Rate rules count
    /// each scheme apart (the HTTPS rule on the HTTPS listener).
    public var family: ServiceSet {
        switch self {
        case .api, .https: ServiceSet([.api, .https])
        case .sip, .ssh: ServiceSet([self])
        }
    }
}

/// A set of services as bits, so the per-packet check is one AND.
public struct ServiceSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public init(_ services: [NetworkService]) {
        self.init(rawValue: services.isEmpty ? 0xFF : services.reduce(0) { $0 | $1.bit })
    }

    /// The services `services` name with their families (a rule for `api` covers `https` too); none: every service.
    public init(families services: [NetworkService]) {
        self = services.isEmpty ? .all : services.reduce(ServiceSet(rawValue: 0)) { $0.union($1.family) }
    }

    public static let all = ServiceSet(rawValue: 0xFF)

    public func contains(_ service: NetworkService) -> Bool { rawValue & service.bit != 0 }
}

public enum TransportProtocol: String, Codable, Sendable {
    case udp
    case tcp
}

/// The listener a packet or connection arrived on.
public struct NetworkEndpoint: Sendable, Hashable {
    public var service: NetworkService
    public var transport: TransportProtocol
    public var port: Int

    public init(service: NetworkService, transport: TransportProtocol, port: Int) {
        self.service = service
        self.transport = transport
        self.port = port
    }
}
