/// Where and how an extension may register, kept with it: the device (User-Agent prefixes), the networks, and how
/// many devices at once. Empty lists mean no restriction.
public struct ExtensionPolicy: Sendable, Equatable, Codable {
    /// When not empty, a REGISTER whose User-Agent starts with none of these is refused and counted as a failure.
    public var userAgentPrefixes: [String] = []
    /// When not empty, a REGISTER from any other address is refused before the challenge.
    public var permittedNetworks: [String] = []
    /// Devices registered at once (distinct contacts).
    public var maxRegistrations = 1
    /// Over the limit, replace the least recently registered device instead of refusing the new one.
    public var replaceOldest = false

    public init(userAgentPrefixes: [String] = [], permittedNetworks: [String] = [], maxRegistrations: Int = 1, replaceOldest: Bool = false) {
        self.userAgentPrefixes = userAgentPrefixes
        self.permittedNetworks = permittedNetworks
        self.maxRegistrations = maxRegistrations
        self.replaceOldest = replaceOldest
    }

    enum CodingKeys: String, CodingKey { case userAgentPrefixes, permittedNetworks, maxRegistrations, replaceOldest }

    /// Fields added later take their defaults when reading what an older version stored.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        userAgentPrefixes = try container.decodeIfPresent([String].self, forKey: .userAgentPrefixes) ?? []
        permittedNetworks = try container.decodeIfPresent([String].self, forKey: .permittedNetworks) ?? []
        maxRegistrations = try container.decodeIfPresent(Int.self, forKey: .maxRegistrations) ?? 1
        replaceOldest = try container.decodeIfPresent(Bool.self, forKey: .replaceOldest) ?? false
    }
}
