import NIOCore

/// First handler of every SIP TCP/TLS connection: asks admission control at accept, before the TLS handshake and
/// before any byte is framed, and closes the connection when refused.
final class SIPConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let admission: any SIPAdmissionControl
    private let transport: SIPTransportKind

    init(admission: any SIPAdmissionControl, transport: SIPTransportKind) {
        self.admission = admission
        self.transport = transport
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let remote = context.channel.remoteAddress,
              admission.admit(remote, transport: transport, localPort: context.channel.localAddress?.port ?? 0, on: context.eventLoop) == .admit
        else {
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
