import Defense
import Events
import Model

/// Every way the PBX stops a call, in one table: the status the caller hears, whether a Warning says why, how the
/// call record ends, the event raised, and whether the attempt counts towards the caller's call frequency. A
/// refusal is `refused` when a rule or limit stopped the call and `failed` when there was nothing to connect to.
public enum CallRefusalReason: Sendable, Equatable, CaseIterable {
    /// One of the outbound policy's rules (`CallRule`), in the order `CallPolicy.decide` checks them.
    case policy(CallRule)
    /// No Via, From tag, Call-ID or CSeq to answer by.
    case malformed
    /// Max-Forwards reached 0.
    case loop
    /// No SDP offer, or one that does not parse: there is nothing to relay.
    case noOffer
    /// A trunk call whose number no inbound route takes.
    case noInboundRoute
    /// A trunk call routed to a number that is not an extension.
    case notAnExtension
    /// A trunk call from a number on the blocked list (inbound).
    case blockedCaller
    /// `sip.calls.maxCalls` calls are up.
    case callLimit
    /// The trunk a call comes in on is at its limit.
    case inboundTrunkFull
    /// The extension has no registered device.
    case notRegistered
    /// The route asks for a PIN, which the PBX collects through the media relay, from G.711 audio.
    case pinNeedsRelay
    case pinNeedsG711
    /// The relay has no free ports.
    case noMediaPorts
    /// No trunk of the route is reachable or has room.
    case noTrunkReachable
    /// The routing changed while the caller keyed the PIN.
    case routingChanged

    public static var allCases: [CallRefusalReason] {
        CallRule.allCases.map(CallRefusalReason.policy) + [
            .malformed, .loop, .noOffer, .noInboundRoute, .notAnExtension, .blockedCaller, .callLimit, .inboundTrunkFull, .notRegistered,
            .pinNeedsRelay, .pinNeedsG711, .noMediaPorts, .noTrunkReachable, .routingChanged,
        ]
    }

    public var status: Int {
        switch self {
        case .policy(.noRoute): 404
        case .policy(.trunksBusy): 503
        case .policy: 403
        case .malformed: 400
        case .loop: 483
        case .noOffer, .pinNeedsG711: 488
        case .noInboundRoute, .notAnExtension: 404
        case .notRegistered: 480
        case .callLimit, .inboundTrunkFull, .pinNeedsRelay, .noMediaPorts, .noTrunkReachable: 503
        case .blockedCaller, .routingChanged: 403
        }
    }

    public var disposition: CallDisposition {
        switch self {
        case .policy(.noRoute), .malformed, .loop, .noOffer, .noInboundRoute, .notAnExtension, .notRegistered, .pinNeedsG711,
             .noMediaPorts, .noTrunkReachable:
            .failed
        case .policy, .blockedCaller, .callLimit, .inboundTrunkFull, .pinNeedsRelay, .routingChanged:
            .refused
        }
    }

    /// Whether the caller is told why in a Warning header: not for a loop, and not for a number that is no extension
    /// or has no device (that would tell a scanner which extensions exist).
    public var warns: Bool {
        switch self {
        case .loop, .notAnExtension, .notRegistered: false
        default: true
        }
    }

    /// The policy's decision the call record keeps (`refuse` with the rule), for the policy's refusals only.
    public var isPolicyDecision: Bool {
        switch self {
        case .policy, .blockedCaller: true
        default: false
        }
    }

    /// The catalogued event, if the refusal raises one.
    public var event: EventKind? {
        switch self {
        case .policy(.countryDisallowed): EventCatalogue.disallowedCountry
        case .policy(.frequencyExceeded): EventCatalogue.callFrequencyExceeded
        case .policy(.blockedNumber): EventCatalogue.blockedNumberDialed
        case .policy(.wrongPIN): EventCatalogue.wrongPIN
        default: nil
        }
    }

    /// Every attempt that matched a route counts (so an extension spraying refused destinations trips its rule too),
    /// except while it is locked; refusals outside the policy never do.
    public var countsTowardsFrequency: Bool {
        switch self {
        case .policy(.noRoute), .policy(.extensionLocked): false
        case .policy: true
        default: false
        }
    }
}
