import GeoIP
import Model

/// The network layer's configuration, as kept in the store and written in the YAML `network:` section.
/// Every field has a default, so a document names only what it changes; unknown fields are refused.
public struct NetworkSettings: StoredSettings {
    /// Addresses, CIDR ranges and domain names that are never blocked automatically and skip every check.
    public var allow: [String] = []
    /// Accept / drop / reject by source and service, first match wins, before the block list.
    public var rules: [StaticRule] = []
    public var countries = CountrySettings()
    public var geoIP = GeoIPSettings()
    public var autoDefense = AutoDefenseSettings()

    public init() {}

    public static let storeKey = "network.settings"

    public static let fields: [StrictField<NetworkSettings>] = [
        .init("allow", \.allow),
        .init("rules", \.rules),
        .init("countries", \.countries),
        .init("geoIP", \.geoIP),
        .init("autoDefense", \.autoDefense),
    ]
}

public enum StaticRuleAction: String, StrictChoice {
    /// Admit without further checks (no block list, country or rate rule).
    case accept
    /// Discard silently: the sender learns nothing.
    case drop
    /// Refuse visibly: SIP 403, HTTP 403, TCP connection closed.
    case reject
}

public struct StaticRule: StrictCodable {
    public var name: String
    public var action: StaticRuleAction
    /// CIDR ranges or addresses; empty means every source.
    public var sources: [String]
    /// Empty means every service.
    public var services: [NetworkService]

    /// A placeholder for decoding: the fields every value must name are read over it.
    public init() {
        self.init(name: "", action: .drop)
    }

    public init(name: String, action: StaticRuleAction, sources: [String] = [], services: [NetworkService] = []) {
        self.name = name
        self.action = action
        self.sources = sources
        self.services = services
    }

    public static let fields: [StrictField<StaticRule>] = [
        .required("name", \.name),
        .required("action", \.action),
        .init("sources", \.sources),
        .init("services", \.services),
    ]
}

/// Allowed countries per service. Sources in `exempt` (loopback, private and link-local ranges by default) and on
/// the allow list are never checked.
public struct CountrySettings: StrictCodable {
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

    public static let fields: [StrictField<CountrySettings>] = [.init("sip", \.sip), .init("api", \.api), .init("exempt", \.exempt)]
}

public struct CountryRule: StrictCodable {
    public var enabled = false
    /// ISO 3166-1 alpha-2 codes; a source mapped elsewhere, or to no country, is dropped.
    public var allow: [String] = []

    public init() {}

    public init(enabled: Bool, allow: [String]) {
        self.enabled = enabled
        self.allow = allow
    }

    public static let fields: [StrictField<CountryRule>] = [.init("enabled", \.enabled), .init("allow", \.allow)]
}

/// Where countries come from: a MaxMind DB file when named, else Tor's range files (Debian package tor-geoipdb).
public struct GeoIPSettings: StrictCodable {
    public var database: String?
    public var torFiles: [String] = GeoIPSettings.debianTorFiles

    public static let debianTorFiles = ["/usr/share/tor/geoip", "/usr/share/tor/geoip6"]

    public init() {}

    public static let fields: [StrictField<GeoIPSettings>] = [.init("database", \.database), .init("torFiles", \.torFiles)]
}
