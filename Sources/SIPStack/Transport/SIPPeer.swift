import NIOCore

/// Who sent a message and how: the source the response goes back to (RFC 3581: the real source, not the Via).
public struct SIPPeer: Sendable, CustomStringConvertible {
    public let address: SocketAddress
    public let transport: SIPTransportKind
    /// The port of our listener it reached (the "attacked port" of a block); 0 when unknown.
    public let localPort: Int
    /// The source IP as text; formatted once, since every step that handles the message asks for it.
    public let ip: String

    public init(address: SocketAddress, transport: SIPTransportKind, localPort: Int = 0) {
        self.address = address
        self.transport = transport
        self.localPort = localPort
        ip = address.ipAddress ?? "unknown"
    }

    public var port: Int { address.port ?? 0 }
    /// Same transport, address and port: the way a party of a dialog talks to us.
    public func isSameFlow(as other: SIPPeer) -> Bool {
        transport == other.transport && port == other.port && ip == other.ip
    }

    public var description: String { "\(transport.rawValue.lowercased()):\(ip):\(port)" }
}
