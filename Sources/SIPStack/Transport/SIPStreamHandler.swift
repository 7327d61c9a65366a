import NIOCore
import SIPCore

/// Receives framed messages of one TCP/TLS connection. A message that frames but does not parse gets its 400 like a
/// datagram; a framing error (no end of headers within the limits, no Content-Length) is counted and the connection
/// closed, since its byte stream can no longer be cut into messages.
/// Admission control sees every framed message too (rate rules count messages, and a block made mid-connection
/// ends it).
final class SIPStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let parser: SIPParser
    private let handler: any SIPMessageHandler
    private let transport: SIPTransportKind
    private let admission: (any SIPAdmissionControl)?
    private let flows: SIPFlowTable?
    private var peer: SIPPeer?

    init(parser: SIPParser, handler: any SIPMessageHandler, transport: SIPTransportKind, admission: (any SIPAdmissionControl)?,
         flows: SIPFlowTable? = nil) {
        self.parser = parser
        self.handler = handler
        self.transport = transport
        self.admission = admission
        self.flows = flows
    }

    func channelActive(context: ChannelHandlerContext) {
        if let remote = context.channel.remoteAddress {
            let peer = SIPPeer(address: remote, transport: transport, localPort: context.channel.localAddress?.port ?? 0)
            self.peer = peer
            flows?.add(stream: context.channel, peer: peer)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let peer { flows?.remove(stream: context.channel, peer: peer) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let remote = context.channel.remoteAddress else { return }
        let localPort = context.channel.localAddress?.port ?? 0
        if let admission, admission.admit(remote, transport: transport, localPort: localPort, on: context.eventLoop) != .admit {
            context.close(promise: nil)
            return
        }
        let replier = SIPReplier(channel: context.channel, peer: SIPPeer(address: remote, transport: transport, localPort: localPort),
                                 flushLater: true)
        SIPInbound.deliver(unwrapInboundIn(data), parser: parser, handler: handler, replier: replier)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    /// A connection silent for the idle timeout is closed: its peer is gone or holding it.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let parseError = error as? SIPParseError
            ?? (error is ByteToMessageDecoderError.PayloadTooLargeError ? SIPParseError(.messageTooLarge, "stream buffer limit") : nil)
        if let parseError, let remote = context.channel.remoteAddress {
            let replier = SIPReplier(channel: context.channel, peer: SIPPeer(address: remote, transport: transport))
            handler.handleMalformed(parseError, badRequest: nil, replier: replier)
        }
        context.close(promise: nil)
    }
}
