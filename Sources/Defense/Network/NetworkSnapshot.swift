import GeoIP

/// Everything the guard reads, compiled once per change and swapped in whole: the hot path never sees a
/// half-applied change, takes no lock to read it, and finds each answer with one hash probe or one indexed binary
/// search (static rules are compiled into "first matching rule" per address range).
public final class NetworkSnapshot: Sendable {
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
    /// Configured trunk hosts: a UDP source address is easy to forge, so a flood "from" a trunk is reported, never
    /// blocked (that would cut the PBX off from its provider at an attacker's word).
    let trunks: RangeTable
    /// Per service, the index of the first static rule whose sources cover an address.
    private let sipRules: RangeTable
    private let apiRules: RangeTable
    private let httpsRules: RangeTable
    private let sshRules: RangeTable
    let ruleActions: [StaticRuleAction]
    let blocks: BlockTable
    /// Services with a country rule on, and per service the allowed countries as a 26 x 26 letter grid.
    let countryServices: ServiceSet
    private let allowedCountries: [Bool]
    /// With a database that lists its ranges, each service's country rule is compiled together with its exempt
    /// ranges and the range blocks into one table: a single lookup answers "blocked range?" and "country allowed?".
    /// Values pack the range-block slot + 1 (bits 0-29, 0 for none) and "allowed" (bit 30); no interval means
    /// neither blocked nor allowed.
    private let countriesCompiled: Bool
    private let sipRangeVerdicts: RangeTable
    private let apiRangeVerdicts: RangeTable
    static let allowedBit: Int32 = 1 << 30
    let exempt: RangeTable
    let countries: (any CountryLookup)?

    /// The country the geo-IP database gives `address`, nil without a database or a match.
    public func country(of address: IPAddress) -> CountryCode? { countries?.country(for: address) }
    let rateRules: [RateRule]
    let ipv6Unit: Int

    /// `allow` holds the allow list with domain names already resolved; `trunks` the configured trunks' addresses.
    /// Settings must be valid (see `problems`).
    public init(settings: NetworkSettings, allow: [IPNetwork], blocks: [ActiveBlock], countries: (any CountryLookup)?,
                trunks: [IPNetwork] = [], tripsApplied: UInt64 = 0) {
        self.settings = settings
        self.tripsApplied = tripsApplied
        self.allow = RangeTable(allow.map { ($0, 0) })
        self.trunks = RangeTable(trunks.map { ($0, 0) })
        func rules(for service: NetworkService) -> RangeTable {
            let everywhere = [try? IPNetwork(parsing: "0.0.0.0/0"), try? IPNetwork(parsing: "::/0")].compactMap { $0 }
            return RangeTable(priority: settings.rules.enumerated().flatMap { index, rule -> [(network: IPNetwork, value: Int32)] in
                guard ServiceSet(families: rule.services).contains(service) else { return [] }
                let sources = rule.sources.isEmpty ? everywhere : rule.sources.compactMap { try? IPNetwork(parsing: $0) }
                return sources.map { ($0, Int32(index)) }
            })
        }
        sipRules = rules(for: .sip)
        apiRules = rules(for: .api)
        httpsRules = rules(for: .https)
        sshRules = rules(for: .ssh)
        ruleActions = settings.rules.map(\.action)
        self.blocks = BlockTable(blocks)
        var grid = [Bool](repeating: false, count: NetworkService.allCases.count * 676)
        var services: [NetworkService] = []
        for service in NetworkService.allCases {
            guard let rule = settings.countries.rule(for: service), rule.enabled else { continue }
            services.append(service)
            for code in rule.allow.compactMap(CountryCode.init) { grid[service.position * 676 + code.gridIndex] = true }
        }
        countryServices = services.isEmpty ? ServiceSet(rawValue: 0) : ServiceSet(services)
        allowedCountries = grid
        let listing = countries as? any CountryRangeListing
        countriesCompiled = listing != nil
        let exempt = RangeTable(settings.countries.exempt.compactMap { try? IPNetwork(parsing: $0) }.map { ($0, 0) })
        let blockRanges = self.blocks.ranges
        func rangeVerdicts(_ rule: CountryRule) -> RangeTable {
            guard rule.enabled, let listing else { return RangeTable() }
            let allowed = Set(rule.allow.compactMap(CountryCode.init))
            let mark = { (code: CountryCode?) -> Int32? in code.map(allowed.contains) == true ? NetworkSnapshot.allowedBit : nil }
            let passing = RangeTable(v4: listing.v4.compacted(mark), v6: listing.v6.compacted(mark))
                .overlay(exempt) { allowed, exempt in allowed != nil || exempt != nil ? NetworkSnapshot.allowedBit : nil }
            return passing.overlay(blockRanges) { allowed, slot in
                let value = (allowed ?? 0) | (slot.map { $0 + 1 } ?? 0)
                return value == 0 ? nil : value
            }
        }
        sipRangeVerdicts = rangeVerdicts(settings.countries.sip)
        apiRangeVerdicts = rangeVerdicts(settings.countries.api)
        self.exempt = exempt
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
    public func isAllowed(_ address: IPAddress) -> Bool { !allow.isEmpty && allow.value(for: address) != nil }

    /// Whether `address` is a configured trunk's (automatic blocks are never made for it either).
    public func isTrunk(_ address: IPAddress) -> Bool { !trunks.isEmpty && trunks.value(for: address) != nil }

    func firstRule(for address: IPAddress, service: NetworkService) -> Int32? {
        switch service {
        case .sip: sipRules.isEmpty ? nil : sipRules.value(for: address)
        case .api: apiRules.isEmpty ? nil : apiRules.value(for: address)
        case .https: httpsRules.isEmpty ? nil : httpsRules.value(for: address)
        case .ssh: sshRules.isEmpty ? nil : sshRules.value(for: address)
        }
    }

    /// Whether the service's range verdicts are compiled (a country rule on, over a database that lists ranges).
    func hasRangeVerdicts(for service: NetworkService) -> Bool {
        countriesCompiled && countryServices.contains(service)
    }

    /// The compiled verdict for `address` (see `sipRangeVerdicts`), 0 when no interval covers it.
    func rangeVerdict(_ address: IPAddress, service: NetworkService) -> Int32 {
        (service == .sip ? sipRangeVerdicts.value(for: address) : apiRangeVerdicts.value(for: address)) ?? 0
    }

    /// Whether the service's country rule admits `address` by looking the country up: for databases that cannot
    /// list their ranges.
    func countryVerdict(_ address: IPAddress, service: NetworkService) -> (allowed: Bool, country: CountryCode?) {
        guard let country = countries?.country(for: address) else { return (false, nil) }
        return (allowedCountries[service.position * 676 + country.gridIndex], country)
    }

    /// The unit a rate rule counts and blocks: the IPv4 address, or the IPv6 prefix.
    public func rateUnit(of address: IPAddress) -> IPNetwork {
        switch address {
        case .v4: IPNetwork(containing: address, prefixLength: 32)
        case .v6: IPNetwork(containing: address, prefixLength: ipv6Unit)
        }
    }

    /// `rateUnit` as a counter key, without building the network (IPv4 as its IPv4-mapped IPv6 address).
    func rateKey(of address: IPAddress) -> UInt128 {
        switch address {
        case .v4(let value): UInt128(0xFFFF) << 32 | UInt128(value)
        case .v6(let high, let low): (UInt128(high) << 64 | UInt128(low)) & ~(UInt128.max >> ipv6Unit)
        }
    }
}

extension CountryCode {
    /// Position in a 26 x 26 grid of two-letter codes.
    var gridIndex: Int { Int((packed >> 8) - 65) * 26 + Int((packed & 0xFF) - 65) }
}

extension NetworkService {
    var position: Int {
        switch self {
        case .sip: 0
        case .api: 1
        case .https: 2
        case .ssh: 3
        }
    }
}
