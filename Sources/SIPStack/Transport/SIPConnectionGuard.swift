import NIOCore

/// First handler of every SIP TCP/TLS connection: at accept, before the TLS handshake and before any byte is framed,
/// asks admission control and then the connection caps, and closes the connection when either refuses. An admitted
/// connection gives its place back when it closes.
final class SIPConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let admission: (any SIPAdmissionControl)?
    private let limiter: ConnectionLimiter
    private let transport: SIPTransportKind
    private let onRefused: @Sendable (SIPPeer, ConnectionLimiter.Refusal) -> Void

    init(admission: (any SIPAdmissionControl)?, limiter: ConnectionLimiter, transport: SIPTransportKind,
         onRefused: @escaping @Sendable (SIPPeer, ConnectionLimiter.Refusal) -> Void) {
        self.admission = admission
        self.limiter = limiter
        self.transport = transport
        self.onRefused = onRefused
    }

    func channelActive(context: ChannelHandlerContext) {
        let localPort = context.channel.localAddress?.port ?? 0
        guard let remote = context.channel.remoteAddress,
              admission?.admit(remote, transport: transport, localPort: localPort, on: context.eventLoop) ?? .admit == .admit
        else {
            context.close(promise: nil)
            return
        }
        let peer = SIPPeer(address: remote, transport: transport, localPort: localPort)
        if let refusal = limiter.admit(context.channel, from: peer.ip) {
            onRefused(peer, refusal)
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
