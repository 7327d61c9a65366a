/// Where and how an extension may register, kept with it: the device (User-Agent prefixes), the networks, and how
/// many devices at once (an empty network list means anywhere); and its outbound call restrictions.
public struct ExtensionPolicy: StrictCodable {
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

    public init() {}

    /// A policy for these User-Agent prefixes: the check is on when any is given.
    public init(userAgentPrefixes: [String]) {
        self.userAgentPrefixes = userAgentPrefixes
        restrictsUserAgents = !userAgentPrefixes.isEmpty
    }

    /// Stored by a version without the switch: on when any prefix is listed.
    public mutating func complete(given names: Set<String>) {
        if !names.contains("restrictsUserAgents") { restrictsUserAgents = !userAgentPrefixes.isEmpty }
    }

    public static let fields: [StrictField<ExtensionPolicy>] = [
        .init("restrictsUserAgents", \.restrictsUserAgents),
        .init("userAgentPrefixes", \.userAgentPrefixes),
        .init("permittedNetworks", \.permittedNetworks),
        .init("maxRegistrations", \.maxRegistrations),
        .init("replaceOldest", \.replaceOldest),
        .init("calls", \.calls),
    ]
}
