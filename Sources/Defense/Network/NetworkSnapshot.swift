import GeoIP

/// Everything the guard reads, compiled once per change and swapped in whole: the hot path never sees a
/// half-applied change and never takes a lock to read it.
public final class NetworkSnapshot: Sendable {
    struct Rule: Sendable {
        let action: StaticRuleAction
        /// Nil matches every source.
        let sources: RangeTable?
        let services: ServiceSet
    }

    struct RateRule: Sendable {
        let index: Int32
        let service: NetworkService?
        let ports: ClosedRange<Int>?
        let transport: ProtocolMatch
        let packets: Int
        let interval: Int64
        let monitorOnly: Bool

        func matches(_ endpoint: NetworkEndpoint) -> Bool {
            guard transport.matches(endpoint.transport) else { return false }
            if let service { return service == endpoint.service }
            return ports?.contains(endpoint.port) ?? false
        }
    }

    public let settings: NetworkSettings
    /// Trips (by sequence number) whose blocks this snapshot already holds.
    public let tripsApplied: UInt64
    let allow: RangeTable
    let rules: [Rule]
    let blocks: BlockTable
    /// Allowed countries per service, by `NetworkService.allCases` position; nil where no country rule is on.
    let allowedCountries: [Set<CountryCode>?]
    let exempt: RangeTable
    let countries: (any CountryLookup)?
    let rateRules: [RateRule]
    let ipv6Unit: Int

    /// `allow` holds the allow list with domain names already resolved. Settings must be valid (see `problems`).
    public init(settings: NetworkSettings, allow: [IPNetwork], blocks: [ActiveBlock], countries: (any CountryLookup)?,
                tripsApplied: UInt64 = 0) {
        self.settings = settings
        self.tripsApplied = tripsApplied
        self.allow = RangeTable(allow.map { ($0.bounds, 0) })
        rules = settings.rules.map { rule in
            let sources = rule.sources.compactMap { try? IPNetwork(parsing: $0) }
            return Rule(action: rule.action, sources: sources.isEmpty ? nil : RangeTable(sources.map { ($0.bounds, 0) }),
                        services: ServiceSet(rule.services))
        }
        self.blocks = BlockTable(blocks)
        allowedCountries = NetworkService.allCases.map { service in
            guard let rule = settings.countries.rule(for: service), rule.enabled else { return nil }
            return Set(rule.allow.compactMap(CountryCode.init))
        }
        exempt = RangeTable(settings.countries.exempt.compactMap { try? IPNetwork(parsing: $0) }.map { ($0.bounds, 0) })
        self.countries = countries
        rateRules = settings.autoDefense.rules.enumerated().compactMap { index, rule in
            guard rule.enabled else { return nil }
            return RateRule(index: Int32(index), service: rule.service, ports: rule.portRange, transport: rule.protocol,
                            packets: rule.packets, interval: Int64(rule.interval) * 1_000_000_000, monitorOnly: rule.monitorOnly)
        }
        ipv6Unit = settings.autoDefense.ipv6PrefixLength
    }

    public var blockCount: Int { blocks.count }

    /// Whether the allow list covers `address` (automatic blocks are never made for it).
    public func isAllowed(_ address: IPAddress) -> Bool { allow.value(for: address.v6Value) != nil }

    /// The unit a rate rule counts and blocks: the IPv4 address, or the IPv6 prefix.
    func rateUnit(of address: IPAddress) -> IPNetwork {
        switch address {
        case .v4: IPNetwork(containing: address, prefixLength: 32)
        case .v6: IPNetwork(containing: address, prefixLength: ipv6Unit)
        }
    }
}
