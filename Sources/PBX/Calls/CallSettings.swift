import Model

/// Call limits an administrator sets (`sip.calls` in the configuration), live on change.
public struct CallSettings: StrictCodable {
    /// Seconds a call may ring before it is cancelled and the caller hears 480.
    public var ringTimeout = 60
    /// Seconds an answered call may last (the seed's default, 3 hours); then both legs get a BYE.
    public var maxDuration = 10_800
    /// Calls at once; the next one gets 503.
    public var maxCalls = 10_000
    /// Our host in Via and Contact when a listener is bound to a wildcard address (0.0.0.0 or ::).
    public var advertisedHost: String?

    public init() {}

    public static let fields: [StrictField<CallSettings>] = [
        .init("ringTimeout", \.ringTimeout),
        .init("maxDuration", \.maxDuration),
        .init("maxCalls", \.maxCalls),
        .init("advertisedHost", \.advertisedHost),
    ]

    /// Every problem, as `field: message`; empty when valid.
    public var problems: [String] {
        var problems: [String] = []
        if !(5...600).contains(ringTimeout) { problems.append("ringTimeout: must be 5-600 seconds, got \(ringTimeout)") }
        if !(1...86_400).contains(maxDuration) { problems.append("maxDuration: must be 1-86400 seconds, got \(maxDuration)") }
        if !(1...100_000).contains(maxCalls) { problems.append("maxCalls: must be 1-100000, got \(maxCalls)") }
        if let host = advertisedHost, host.isEmpty || host.count > 253 || host.contains(where: { $0 == " " || $0 == ";" || $0 == ">" }) {
            problems.append("advertisedHost: must be a host name or IP address")
        }
        return problems
    }
}
