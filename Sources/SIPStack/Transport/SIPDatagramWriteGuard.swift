import NIOCore

/// Last outbound handler of a SIP UDP socket. NIO closes a datagram channel on any send error except EMSGSIZE and
/// EHOSTUNREACH, so one reply to a destination the kernel refuses (port 0, the other address family, broadcast or
/// multicast) would silence the listener for everyone; such a write fails alone here and the socket stays open.
final class SIPDatagramWriteGuard: ChannelOutboundHandler {
    typealias OutboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let destination = unwrapOutboundIn(data).remoteAddress
        guard SIPDatagramWriteGuard.canSend(to: destination, from: context.channel.localAddress) else {
            promise?.fail(SIPTransportError.unsendableDestination("\(destination)"))
            return
        }
        context.write(data, promise: promise)
    }

    /// Whether a unicast datagram can leave a socket bound to `local` for `destination`.
    static func canSend(to destination: SocketAddress, from local: SocketAddress?) -> Bool {
        guard let port = destination.port, (1...65_535).contains(port) else { return false }
        // The address bytes, read at their fixed offsets in sockaddr_in (4) and sockaddr_in6 (8).
        switch destination {
        case .v4(let address):
            if case .v6 = local { return false }
            let first = withUnsafeBytes(of: address.address) { $0[4] }
            // 0.0.0.0/8, multicast 224.0.0.0/4 and above (reserved, limited broadcast).
            return first != 0 && first < 224
        case .v6(let address):
            if case .v4 = local { return false }
            let bytes = withUnsafeBytes(of: address.address) { Array($0[8..<24]) }
            return bytes[0] != 0xFF && bytes.contains { $0 != 0 }
        case .unixDomainSocket:
            return false
        }
    }
}
