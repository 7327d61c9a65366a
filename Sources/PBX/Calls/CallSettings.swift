/// Call limits an administrator sets (`sip.calls` in the configuration), live on change.
public struct CallSettings: Sendable, Equatable, Codable {
    /// Seconds a call may ring before it is cancelled and the caller hears 480.
    public var ringTimeout = 60
    /// Seconds an answered call may last (the seed's default, 3 hours); then both legs get a BYE.
    public var maxDuration = 10_800
    /// Calls at once; the next one gets 503.
    public var maxCalls = 10_000
    /// Our host in Via and Contact when a listener is bound to a wildcard address (0.0.0.0 or ::).
    public var advertisedHost: String?

    public init(ringTimeout: Int = 60, maxDuration: Int = 10_800, maxCalls: Int = 10_000, advertisedHost: String? = nil) {
        self.ringTimeout = ringTimeout
        self.maxDuration = maxDuration
        self.maxCalls = maxCalls
        self.advertisedHost = advertisedHost
    }

    enum CodingKeys: String, CodingKey { case ringTimeout, maxDuration, maxCalls, advertisedHost }

    /// Fields added later take their defaults when reading what an older version stored.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CallSettings()
        ringTimeout = try container.decodeIfPresent(Int.self, forKey: .ringTimeout) ?? defaults.ringTimeout
        maxDuration = try container.decodeIfPresent(Int.self, forKey: .maxDuration) ?? defaults.maxDuration
        maxCalls = try container.decodeIfPresent(Int.self, forKey: .maxCalls) ?? defaults.maxCalls
        advertisedHost = try container.decodeIfPresent(String.self, forKey: .advertisedHost)
    }

    /// Every problem, as `sip.calls.field: message`; empty when valid.
    public var problems: [String] {
        var problems: [String] = []
        if !(5...600).contains(ringTimeout) { problems.append("sip.calls.ringTimeout must be 5-600 seconds, got \(ringTimeout)") }
        if !(1...86_400).contains(maxDuration) { problems.append("sip.calls.maxDuration must be 1-86400 seconds, got \(maxDuration)") }
        if !(1...100_000).contains(maxCalls) { problems.append("sip.calls.maxCalls must be 1-100000, got \(maxCalls)") }
        if let host = advertisedHost, host.isEmpty || host.count > 253 || host.contains(where: { $0 == " " || $0 == ";" || $0 == ">" }) {
            problems.append("sip.calls.advertisedHost must be a host name or IP address")
        }
        return problems
    }
}
