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
}

/// A set of services as bits, so the per-packet check is one AND.
public struct ServiceSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public init(_ services: [NetworkService]) {
        self.init(rawValue: services.isEmpty ? 0xFF : services.reduce(0) { $0 | $1.bit })
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
