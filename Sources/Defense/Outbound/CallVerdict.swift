/// What the outbound policy says about a call: let it out, ask for the route's PIN first, or refuse it.
public enum CallVerdict: Sendable, Equatable {
    case allow(OutboundCall)
    /// The route has a password: collect it, check it with `CallPolicy.pin(route:)`, and decide again.
    case needsPIN(route: String)
    case refuse(CallRefusal)
}

/// A call allowed out: through `route`, sending `number`, trying `trunks` in order.
public struct OutboundCall: Sendable, Equatable {
    public var route: String
    public var number: String
    public var trunks: [String]
    /// Seconds before the PBX hangs up (the extension's own limit or the global one).
    public var maxDuration: Int
    public var emergency: Bool
}

/// A refused call: the rule that stopped it and a sentence for the CDR and the event log (what the caller hears and
/// what is recorded: `CallRefusalReason` in PBX).
public struct CallRefusal: Sendable, Equatable, CustomStringConvertible {
    public var rule: CallRule
    public var detail: String
    /// The extension's outbound calls stay locked until an administrator unlocks them (a frequency rule with lock).
    public var locksExtension = false

    public var description: String { "\(rule.rawValue): \(detail)" }
}

/// Each rule of the outbound policy, as it appears in CDRs, events and the SIP Warning header.
public enum CallRule: String, Sendable, Equatable, CaseIterable {
    case noRoute = "no-route"
    case notPermitted = "route-not-permitted"
    case routeClosed = "route-closed"
    case extensionLocked = "extension-locked"
    case outboundDisabled = "outbound-disabled"
    case outsideBusinessHours = "outside-business-hours"
    case blockedNumber = "blocked-number"
    case internationalDisallowed = "international-disallowed"
    case countryDisallowed = "country-disallowed"
    case frequencyExceeded = "frequency-exceeded"
    case trunksBusy = "trunks-busy"
    case wrongPIN = "wrong-pin"
}
