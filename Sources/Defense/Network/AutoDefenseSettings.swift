import Model
/// Rate rules that block a source sending too much, and how blocks grow for repeat offenders.
public struct AutoDefenseSettings: StrictCodable {
    public var rules: [AutoDefenseRule] = AutoDefenseRule.defaults
    /// Each further block of the same source within `memory` seconds lasts `factor` times longer; the
    /// `permanentAfter`-th is permanent (0: never).
    public var escalation = Escalation()
    /// IPv6 sources are counted and blocked per prefix of this length: one host usually owns a whole /64.
    public var ipv6PrefixLength = 64
    /// Sources tracked per event loop; past it the oldest is forgotten (and counted in a metric).
    public var maxTrackedSources = 100_000

    public init() {}

    public struct Escalation: StrictCodable {
        public var factor = 4
        public var permanentAfter = 4
        public var memory = 86_400

        public init() {}

        public static let fields: [StrictField<Escalation>] = [
            .init("factor", \.factor),
            .init("permanentAfter", \.permanentAfter),
            .init("memory", \.memory),
        ]

        /// Seconds the `offense`-th block lasts (1-based), nil for permanent. Without `permanent` (evidence that
        /// could be forged) the block stays at the last duration before permanent.
        public func duration(base: Int, offense: Int, permanent: Bool = true) -> Int? {
            if permanentAfter > 0 && offense >= permanentAfter {
                guard permanent else { return duration(base: base, offense: permanentAfter - 1) }
                return nil
            }
            var seconds = base
            for _ in 1..<max(offense, 1) { seconds = min(seconds * factor, 365 * 86_400) }
            return seconds
        }
    }

    public static let fields: [StrictField<AutoDefenseSettings>] = [
        .init("rules", \.rules),
        .init("escalation", \.escalation),
        .init("ipv6PrefixLength", \.ipv6PrefixLength),
        .init("maxTrackedSources", \.maxTrackedSources),
    ]
}

public enum ProtocolMatch: String, StrictChoice {
    case udp, tcp, both

    func matches(_ transport: TransportProtocol) -> Bool {
        self == .both || rawValue == transport.rawValue
    }
}

/// More than `packets` packets (SIP messages, HTTP requests, connections) within `interval` seconds from one
/// source, on the rule's service or ports, blocks it for `blockDuration` seconds, or only reports it when
/// `monitorOnly`.
public struct AutoDefenseRule: StrictCodable {
    public var name: String
    /// Applies to whatever ports the service listens on; or give `ports` instead.
    public var service: NetworkService?
    /// `PORT` or `LOW-HIGH`.
    public var ports: String?
    public var `protocol`: ProtocolMatch
    public var packets: Int
    public var interval: Int
    public var blockDuration: Int
    public var enabled: Bool
    public var monitorOnly: Bool

    /// A placeholder for decoding: the fields every value must name are read over it.
    public init() {
        self.init(name: "", protocol: .both, packets: 0, interval: 0)
    }

    public init(name: String, service: NetworkService? = nil, ports: String? = nil, protocol: ProtocolMatch, packets: Int, interval: Int,
                blockDuration: Int = 600, enabled: Bool = true, monitorOnly: Bool = false) {
        self.name = name
        self.service = service
        self.ports = ports
        self.protocol = `protocol`
        self.packets = packets
        self.interval = interval
        self.blockDuration = blockDuration
        self.enabled = enabled
        self.monitorOnly = monitorOnly
    }

    /// Yeastar P-Series' defaults, on our listeners.
    public static let defaults = [
        AutoDefenseRule(name: "SIP UDP", service: .sip, protocol: .udp, packets: 40, interval: 2),
        AutoDefenseRule(name: "SIP TCP", service: .sip, protocol: .tcp, packets: 40, interval: 2),
        AutoDefenseRule(name: "HTTP", service: .api, protocol: .tcp, packets: 120, interval: 60),
        AutoDefenseRule(name: "HTTPS", service: .https, protocol: .tcp, packets: 120, interval: 60),
        AutoDefenseRule(name: "SSH", service: .ssh, protocol: .tcp, packets: 10, interval: 60),
    ]

    /// The port range of `ports`, nil when absent or malformed.
    var portRange: ClosedRange<Int>? {
        guard let ports else { return nil }
        let parts = ports.split(separator: "-", omittingEmptySubsequences: false).map { Int(String($0)) }
        guard (1...2).contains(parts.count), let low = parts[0], let high = parts.last ?? nil,
              (1...65_535).contains(low), (low...65_535).contains(high) else { return nil }
        return low...high
    }

    public static let fields: [StrictField<AutoDefenseRule>] = [
        .required("name", \.name),
        .init("service", \.service),
        .init("ports", \.ports),
        .init("protocol", \.protocol),
        .required("packets", \.packets),
        .required("interval", \.interval),
        .init("blockDuration", \.blockDuration),
        .init("enabled", \.enabled),
        .init("monitorOnly", \.monitorOnly),
    ]
}
