/// The transports Portcullis listens on.
public enum SIPTransportKind: String, Sendable, Codable, CaseIterable {
    case udp = "UDP"
    case tcp = "TCP"
    case tls = "TLS"

    /// Reliable transports need no retransmission timers (RFC 3261 section 17).
    public var isReliable: Bool { self != .udp }
}
