import Defense
import Events
import GeoIP

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
