import NIOCore
import SIPCore

/// Sends responses back where RFC 3261 section 18.2.2 and RFC 3581 say: on the same connection for streams,
/// to the source address for UDP when rport was asked for, otherwise to the Via's received address and port.
public struct SIPReplier: Sendable {
    let channel: any Channel
    public let peer: SIPPeer
    /// Inside a read cycle the handler flushes once at `channelReadComplete`, so a burst of answers leaves in one
    /// batch of syscalls instead of one flush per message.
    let flushLater: Bool

    init(channel: any Channel, peer: SIPPeer, flushLater: Bool = false) {
        self.channel = channel
        self.peer = peer
        self.flushLater = flushLater
    }

    /// The event loop of the flow: timers of what is sent on it run there.
    public var eventLoop: any EventLoop { channel.eventLoop }

    /// Our address on this flow, for Via and Contact of requests the PBX sends.
    public var localAddress: SocketAddress? { channel.localAddress }

    /// The same flow, flushing each message at once: for use outside the read cycle it was created in.
    public var detached: SIPReplier { SIPReplier(channel: channel, peer: peer) }

    public func send(_ bytes: [UInt8], via: Via?) {
        send(channel.allocator.buffer(bytes: bytes), via: via)
    }

    /// Writes the response straight into the buffer it leaves in: no array, no copy (answers nothing remembers, such
    /// as keepalives and challenges).
    public func send(_ response: SIPResponse, via: Via?) {
        var buffer = channel.allocator.buffer(capacity: response.serializedCapacity)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { response.serialize(into: $0) }
        send(buffer, via: via)
    }

    private func send(_ buffer: ByteBuffer, via: Via?) {
        switch peer.transport {
        case .udp:
            let destination = SIPReplier.destination(via: via, source: peer.address)
            let envelope = AddressedEnvelope(remoteAddress: destination, data: buffer)
            if flushLater {
                channel.write(envelope, promise: nil)
            } else {
                channel.writeAndFlush(envelope, promise: nil)
            }
        case .tcp, .tls:
            if flushLater {
                channel.write(buffer, promise: nil)
            } else {
                channel.writeAndFlush(buffer, promise: nil)
            }
        }
    }

    /// Pure routing decision, separate so it can be tested without sockets. Only the port can come from the Via (the
    /// address is always the source's), and only one a datagram can be sent to.
    public static func destination(via: Via?, source: SocketAddress) -> SocketAddress {
        guard let via, via.rport == nil, let sourcePort = source.port else { return source }
        let port = via.port ?? 5060
        guard (1...65_535).contains(port), port != sourcePort else { return source }
        var destination = source
        destination.port = port
        return destination
    }
}
