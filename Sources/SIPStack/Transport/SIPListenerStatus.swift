/// One SIP listener as `/healthz` reports it: where it listens and whether it still does.
public struct SIPListenerStatus: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        case listening
        /// Closed while the server runs and not reopened: the process is stopping.
        case closed
    }

    /// `udp`, `tcp` or `tls`.
    public var transport: String
    /// `HOST:PORT` as bound.
    public var address: String
    public var state: State
    /// Times the socket closed unexpectedly and was bound again.
    public var reopened: Int
}
