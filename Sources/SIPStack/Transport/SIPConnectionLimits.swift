import Model

/// Bounds on TCP and TLS connections: each one holds a descriptor and up to two messages of buffer, so an attacker
/// who opens and holds them must meet a cap long before the process meets its descriptor limit.
public struct SIPConnectionLimits: StrictCodable {
    /// Open connections at once on all SIP listeners; `serve` lowers it to a quarter of the descriptor limit.
    public var maxConnections = 4_096
    /// Open connections from one address (a phone needs one; an office behind one NAT address needs one per phone).
    public var maxPerSource = 64
    /// Seconds a connection may take to complete a message once it started one (and its first, after the TLS
    /// handshake); a slow or never-ending header is cut off here.
    public var messageTimeout = 10
    /// Seconds without a byte before a connection is closed: longer than phones' CRLF keep-alives (30-120 s).
    public var idleTimeout = 300

    public init() {}

    public static let fields: [StrictField<SIPConnectionLimits>] = [
        .init("maxConnections", \.maxConnections),
        .init("maxPerSource", \.maxPerSource),
        .init("messageTimeout", \.messageTimeout),
        .init("idleTimeout", \.idleTimeout),
    ]

    /// What is wrong with these limits, as `field: message`.
    public var problems: [String] {
        var problems: [String] = []
        if !(1...1_000_000).contains(maxConnections) { problems.append("maxConnections: must be 1-1000000, got \(maxConnections)") }
        if !(1...maxConnections).contains(maxPerSource) { problems.append("maxPerSource: must be 1-maxConnections, got \(maxPerSource)") }
        if !(1...300).contains(messageTimeout) { problems.append("messageTimeout: must be 1-300 seconds, got \(messageTimeout)") }
        if !(messageTimeout...86_400).contains(idleTimeout) { problems.append("idleTimeout: must be messageTimeout-86400 seconds, got \(idleTimeout)") }
        return problems
    }
}
