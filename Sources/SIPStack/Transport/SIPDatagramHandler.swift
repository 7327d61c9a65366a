import NIOCore
import SIPCore

/// One UDP datagram in, admission control, one parse, straight to the handler on the event loop: no Task, no actor
/// hop. A refused datagram is never parsed.
final class SIPDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let parser: SIPParser
    private let handler: any SIPMessageHandler
    private let admission: (any SIPAdmissionControl)?
    private var localPort = 0

    init(parser: SIPParser, handler: any SIPMessageHandler, admission: (any SIPAdmissionControl)?) {
        self.parser = parser
        self.handler = handler
        self.admission = admission
    }

    func channelActive(context: ChannelHandlerContext) {
        localPort = context.channel.localAddress?.port ?? 0
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        // Made only for a datagram that is answered: a dropped one (a flood) costs no formatting of its source.
        func replier() -> SIPReplier {
            SIPReplier(channel: context.channel, peer: SIPPeer(address: envelope.remoteAddress, transport: .udp, localPort: localPort),
                       flushLater: true)
        }
        if let admission {
            switch admission.admit(envelope.remoteAddress, transport: .udp, localPort: localPort, on: context.eventLoop) {
            case .admit: break
            case .drop: return
            case .reject:
                SIPInbound.refuse(envelope.data, replier: replier())
                return
            }
        }
        SIPInbound.deliver(envelope.data, parser: parser, handler: handler, replier: replier())
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors and the like on an unconnected socket: nothing to close.
    }
}

/// The parse-and-dispatch step shared by datagrams and framed stream messages.
enum SIPInbound {
    static func deliver(_ buffer: ByteBuffer, parser: SIPParser, handler: any SIPMessageHandler, replier: SIPReplier) {
        let outcome: Result<SIPMessage, SIPParseError> = buffer.withUnsafeReadableBytes { bytes in
            do throws(SIPParseError) {
                return .success(try parser.parse(bytes))
            } catch {
                return .failure(error)
            }
        }
        switch consume outcome {
        case .success(.request(var request)):
            request.recordSource(ip: replier.peer.ip, port: replier.peer.port)
            handler.handle(.request(request), replier: replier)
        case .success(let message):
            handler.handle(message, replier: replier)
        case .failure(let error):
            if error.code == .incomplete, buffer.readableBytes <= 4 { return }
            let badRequest = buffer.withUnsafeReadableBytes { SIPRawReply.badRequest(for: $0, error: error) }
            handler.handleMalformed(error, badRequest: badRequest, replier: replier)
        }
    }

    /// Answers a request refused by a network rule with 403, read from the raw bytes (nothing else is parsed).
    static func refuse(_ buffer: ByteBuffer, replier: SIPReplier) {
        let response = buffer.withUnsafeReadableBytes { SIPRawReply.response(for: $0, statusCode: 403, reason: "Forbidden") }
        if let response { replier.send(response, via: nil) }
    }
}
