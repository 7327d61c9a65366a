/// Where and how an extension may register, kept with it: the device (User-Agent prefixes), the networks, and how
/// many devices at once (an empty network list means anywhere); and its outbound call restrictions.
public struct ExtensionPolicy: Sendable, Equatable, Codable {
    /// The switch for `userAgentPrefixes`: the list can be kept while the check is off.
    public var restrictsUserAgents = false
    /// With `restrictsUserAgents`, a REGISTER whose User-Agent starts with none of these is refused and counted as a
    /// failure.
    public var userAgentPrefixes: [String] = []
    /// When not empty, a REGISTER from any other address is refused (after the challenge, like a wrong password).
    public var permittedNetworks: [String] = []
    /// Devices registered at once (distinct contacts).
    public var maxRegistrations = 1
    /// Over the limit, replace the least recently registered device instead of refusing the new one.
    public var replaceOldest = false
    /// Outbound restrictions (disabled, outside business hours, international, duration, frequency rule).
    public var calls = ExtensionCallRules()

    /// `restrictsUserAgents` defaults to whether any prefix is given.
    public init(restrictsUserAgents: Bool? = nil, userAgentPrefixes: [String] = [], permittedNetworks: [String] = [],
                maxRegistrations: Int = 1, replaceOldest: Bool = false, calls: ExtensionCallRules = ExtensionCallRules()) {
        self.calls = calls
        self.restrictsUserAgents = restrictsUserAgents ?? !userAgentPrefixes.isEmpty
        self.userAgentPrefixes = userAgentPrefixes
        self.permittedNetworks = permittedNetworks
        self.maxRegistrations = maxRegistrations
        self.replaceOldest = replaceOldest
    }

    enum CodingKeys: String, CodingKey { case restrictsUserAgents, userAgentPrefixes, permittedNetworks, maxRegistrations, replaceOldest, calls }

    /// Fields added later take their defaults when reading what an older version stored.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        userAgentPrefixes = try container.decodeIfPresent([String].self, forKey: .userAgentPrefixes) ?? []
        restrictsUserAgents = try container.decodeIfPresent(Bool.self, forKey: .restrictsUserAgents) ?? !userAgentPrefixes.isEmpty
        permittedNetworks = try container.decodeIfPresent([String].self, forKey: .permittedNetworks) ?? []
        maxRegistrations = try container.decodeIfPresent(Int.self, forKey: .maxRegistrations) ?? 1
        replaceOldest = try container.decodeIfPresent(Bool.self, forKey: .replaceOldest) ?? false
        calls = try container.decodeIfPresent(ExtensionCallRules.self, forKey: .calls) ?? ExtensionCallRules()
    }
}
