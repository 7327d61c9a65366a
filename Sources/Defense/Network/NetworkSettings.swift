import GeoIP
import Model

/// The network layer's configuration, as kept in the store and written in the YAML `network:` section.
/// Every field has a default, so a document names only what it changes; unknown fields are refused.
public struct NetworkSettings: Codable, Sendable, Equatable {
    /// Addresses, CIDR ranges and domain names that are never blocked automatically and skip every check.
    public var allow: [String] = []
    /// Accept / drop / reject by source and service, first match wins, before the block list.
    public var rules: [StaticRule] = []
    public var countries = CountrySettings()
    public var geoIP = GeoIPSettings()
    public var autoDefense = AutoDefenseSettings()

    public init() {}

    public static let storeKey = "network.settings"

    enum CodingKeys: String, CodingKey, CaseIterable { case allow, rules, countries, geoIP, autoDefense }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        allow = try container.decodeIfPresent([String].self, forKey: .allow) ?? []
        rules = try container.decodeIfPresent([StaticRule].self, forKey: .rules) ?? []
        countries = try container.decodeIfPresent(CountrySettings.self, forKey: .countries) ?? CountrySettings()
        geoIP = try container.decodeIfPresent(GeoIPSettings.self, forKey: .geoIP) ?? GeoIPSettings()
        autoDefense = try container.decodeIfPresent(AutoDefenseSettings.self, forKey: .autoDefense) ?? AutoDefenseSettings()
    }
}

public enum StaticRuleAction: String, Codable, Sendable {
    /// Admit without further checks (no block list, country or rate rule).
    case accept
    /// Discard silently: the sender learns nothing.
    case drop
    /// Refuse visibly: SIP 403, HTTP 403, TCP connection closed.
    case reject
}

public struct StaticRule: Codable, Sendable, Equatable {
    public var name: String
    public var action: StaticRuleAction
    /// CIDR ranges or addresses; empty means every source.
    public var sources: [String] = []
    /// Empty means every service.
    public var services: [NetworkService] = []

    public init(name: String, action: StaticRuleAction, sources: [String] = [], services: [NetworkService] = []) {
        self.name = name
        self.action = action
        self.sources = sources
        self.services = services
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, action, sources, services }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        action = try container.decode(StaticRuleAction.self, forKey: .action)
        sources = try container.decodeIfPresent([String].self, forKey: .sources) ?? []
        services = try container.decodeIfPresent([NetworkService].self, forKey: .services) ?? []
    }
}

/// Allowed countries per service. Sources in `exempt` (loopback, private and link-local ranges by default) and on
/// the allow list are never checked.
public struct CountrySettings: Codable, Sendable, Equatable {
    public var sip = CountryRule()
    public var api = CountryRule()
    public var exempt: [String] = CountrySettings.privateRanges

    public static let privateRanges = [
        "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10",
        "::1/128", "fc00::/7", "fe80::/10",
    ]

    public init() {}

    public func rule(for service: NetworkService) -> CountryRule? {
        switch service {
        case .sip: sip
        case .api, .https: api
        case .ssh: nil
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case sip, api, exempt }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        sip = try container.decodeIfPresent(CountryRule.self, forKey: .sip) ?? CountryRule()
        api = try container.decodeIfPresent(CountryRule.self, forKey: .api) ?? CountryRule()
        exempt = try container.decodeIfPresent([String].self, forKey: .exempt) ?? CountrySettings.privateRanges
    }
}

public struct CountryRule: Codable, Sendable, Equatable {
    public var enabled = false
    /// ISO 3166-1 alpha-2 codes; a source mapped elsewhere, or to no country, is dropped.
    public var allow: [String] = []

    public init(enabled: Bool = false, allow: [String] = []) {
        self.enabled = enabled
        self.allow = allow
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case enabled, allow }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? false
        allow = try container.decodeIfPresent([String].self, forKey: .allow) ?? []
    }
}

/// Where countries come from: a MaxMind DB file when named, else Tor's range files (Debian package tor-geoipdb).
public struct GeoIPSettings: Codable, Sendable, Equatable {
    public var database: String?
    public var torFiles: [String] = GeoIPSettings.debianTorFiles

    public static let debianTorFiles = ["/usr/share/tor/geoip", "/usr/share/tor/geoip6"]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case database, torFiles }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        database = try container.decodeIfPresent(String.self, forKey: .database)
        torFiles = try container.decodeIfPresent([String].self, forKey: .torFiles) ?? GeoIPSettings.debianTorFiles
    }
}
