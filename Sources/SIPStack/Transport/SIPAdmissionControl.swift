import NIOCore

/// Decides, before any parsing, whether a peer may talk to us: the network defense layer plugs in here. Called on
/// the channel's event loop for every datagram, every accepted connection and every framed stream message.
public protocol SIPAdmissionControl: Sendable {
    func admit(_ peer: SocketAddress, transport: SIPTransportKind, localPort: Int, on loop: any EventLoop) -> SIPAdmission
}

public enum SIPAdmission: Sendable {
    case admit
    /// Discard without a word.
    case drop
    /// Refuse visibly: 403 to a datagram request, close a connection.
    case reject
}
