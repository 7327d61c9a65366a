import Events
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
}

/// A block decided outside the guard (registration lockout): it takes effect at once in the shards and is then
/// recorded, escalated and announced like an automatic block.
public struct AutomaticBlock: Sendable {
    public var source: IPNetwork
    public var endpoint: NetworkEndpoint
    /// `extension registration`, ...
    public var defenseType: String
    public var rule: String
    public var baseDuration: Int
    /// Nanoseconds since 1970.
    public var time: Int64
    public var event: EventKind
    /// Extra event fields: account, user agent, attempts.
    public var details: [String: String]

    public init(source: IPNetwork, endpoint: NetworkEndpoint, defenseType: String, rule: String, baseDuration: Int, time: Int64,
                event: EventKind, details: [String: String]) {
        self.source = source
        self.endpoint = endpoint
        self.defenseType = defenseType
        self.rule = rule
        self.baseDuration = baseDuration
        self.time = time
        self.event = event
        self.details = details
    }
}

public struct NetworkDecision: Sendable, Equatable {
    public var verdict: NetworkVerdict
    public var trip: AutoDefenseTrip?

    static let admit = NetworkDecision(verdict: .admit, trip: nil)
}
