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
        ip = SIPPeer.text(of: address)
    }

    /// An IPv4 source as dotted decimal, written straight into a string of at most 15 bytes, which Swift keeps inline:
    /// NIO's `ipAddress` allocates a buffer for `inet_ntop` for every datagram. Other families take NIO's way.
    static func text(of address: SocketAddress) -> String {
        guard case .v4(let v4) = address else { return address.ipAddress ?? "unknown" }
        // sockaddr_in keeps the address in network order at offset 4 (after family and port) on Linux and BSD alike.
        return withUnsafeBytes(of: v4.address) { raw in
            String(unsafeUninitializedCapacity: 15) { buffer in
                var count = 0
                for (index, octet) in raw[4..<8].enumerated() {
                    if index > 0 {
                        buffer[count] = UInt8(ascii: ".")
                        count += 1
                    }
                    if octet >= 100 {
                        buffer[count] = 0x30 + octet / 100
                        count += 1
                    }
                    if octet >= 10 {
                        buffer[count] = 0x30 + octet / 10 % 10
                        count += 1
                    }
                    buffer[count] = 0x30 + octet % 10
                    count += 1
                }
                return count
            }
        }
    }

    public var port: Int { address.port ?? 0 }
    /// Same transport, address and port: the way a party of a dialog talks to us.
    public func isSameFlow(as other: SIPPeer) -> Bool {
        transport == other.transport && port == other.port && ip == other.ip
    }

    public var description: String { "\(transport.rawValue.lowercased()):\(ip):\(port)" }
}
