import Model

/// What the running PBX is started with: the stored `sip:` settings (as `serve` overrides them for the run), the
/// installation's realm and whether the registration guard runs.
public struct PBXConfiguration: Sendable, Equatable {
    /// Digest realm; HA1 digests depend on it, so it is fixed at first start.
    public var realm = "portcullis"
    public var sip = SIPSettings()
    /// False leaves REGISTER without lockout and scanner checks (measurement and troubleshooting only).
    public var registrationGuard = true
    /// This node's name in a cluster (`serve --node`): call records name it. nil on a single node.
    public var node: String?
    /// Where the media relay's sockets bind: the listeners' address when they all name the same one, so media leaves
    /// from the address the SDP names (which the far end latches to, and which keeps nodes on one host apart).
    public var mediaHost = "0.0.0.0"

    public init() {}

    /// The one host every listener names, or all interfaces.
    public static func mediaHost(for listeners: [(host: String, wildcard: Bool)]) -> String {
        let hosts = Set(listeners.map(\.host))
        guard hosts.count == 1, let host = hosts.first, listeners.allSatisfy({ !$0.wildcard }) else { return "0.0.0.0" }
        return host
    }
}

/// Expiry bounds of registrations (RFC 3261 section 10.3 step 7).
public struct RegistrationBounds: StrictCodable {
    /// Shorter requests get 423 Interval Too Brief with this Min-Expires.
    public var minExpires: UInt32 = 60
    /// Longer requests are shortened to this.
    public var maxExpires: UInt32 = 3600
    /// When the request states no expiry.
    public var defaultExpires: UInt32 = 3600
    /// Contacts one extension may have registered at once.
    public var maxContacts = 10

    public init() {}

    public static let fields: [StrictField<RegistrationBounds>] = [
        .init("minExpires", \.minExpires), .init("maxExpires", \.maxExpires), .init("defaultExpires", \.defaultExpires),
        .init("maxContacts", \.maxContacts),
    ]

    /// Every problem as `FIELD: message`, empty when valid.
    public var problems: [String] {
        var problems: [String] = []
        if minExpires < 1 { problems.append("minExpires: must be at least 1") }
        if maxExpires < minExpires { problems.append("maxExpires: must not be below minExpires") }
        if defaultExpires < minExpires || defaultExpires > maxExpires { problems.append("defaultExpires: must lie between minExpires and maxExpires") }
        if maxContacts < 1 || maxContacts > 100 { problems.append("maxContacts: must be 1-100, got \(maxContacts)") }
        return problems
    }
}
