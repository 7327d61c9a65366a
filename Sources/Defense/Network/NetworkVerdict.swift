import GeoIP

/// What the network layer decided for one packet or connection.
public enum NetworkVerdict: Sendable, Equatable {
    case admit
    /// Discard silently.
    case drop(NetworkReason)
    /// Refuse visibly (SIP 403, HTTP 403, connection closed).
    case reject(NetworkReason)
}

/// Which rule decided; indexes refer to the snapshot's settings, so no string is built per packet.
public enum NetworkReason: Sendable, Equatable {
    case staticRule(index: Int)
    case blocked(id: Int64)
    /// The source's country is not allowed for the service; nil when it maps to no country.
    case country(CountryCode?)
    case autoDefense(rule: Int)
    /// Blocked a moment ago by another layer (registration lockout); the block is being recorded.
    case justBlocked
}

/// A rate rule that fired: the guard reports it so the block is recorded, persisted and announced.
public struct AutoDefenseTrip: Sendable, Equatable {
    public var rule: Int
    /// The counted unit: the IPv4 address, or the IPv6 prefix (a /64 by default).
    public var source: IPNetwork
    public var endpoint: NetworkEndpoint
    public var packets: Int
    public var monitorOnly: Bool
    /// Nanoseconds since 1970.
    public var time: Int64

    public init(rule: Int, source: IPNetwork, endpoint: NetworkEndpoint, packets: Int, monitorOnly: Bool, time: Int64) {
        self.rule = rule
        self.source = source
        self.endpoint = endpoint
        self.packets = packets
        self.monitorOnly = monitorOnly
        self.time = time
    }
}

public struct NetworkDecision: Sendable, Equatable {
    public var verdict: NetworkVerdict
    public var trip: AutoDefenseTrip?

    static let admit = NetworkDecision(verdict: .admit, trip: nil)
}
