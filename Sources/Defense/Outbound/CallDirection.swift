import Model

/// Which calls a rule applies to: leaving through a trunk, arriving from one, or both.
public enum CallDirection: String, StrictChoice {
    case outbound, inbound, both

    public var outbound: Bool { self != .inbound }
    public var inbound: Bool { self != .outbound }
}
