import NIOCore
import SIPCore

/// One UDP datagram in, one parse, straight to the handler on the event loop: no Task, no actor hop.
final class SIPDatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let parser: SIPParser
    private let handler: any SIPMessageHandler

    init(parser: SIPParser, handler: any SIPMessageHandler) {
        self.parser = parser
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let replier = SIPReplier(channel: context.channel, peer: SIPPeer(address: envelope.remoteAddress, transport: .udp), flushLater: true)
        SIPInbound.deliver(envelope.data, parser: parser, handler: handler, replier: replier)
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
        switch outcome {
        case .success(let message):
            handler.handle(message, replier: replier)
        case .failure(let error):
            if error.code == .incomplete, buffer.readableBytes <= 4 { return }
            let badRequest = buffer.withUnsafeReadableBytes { SIPBadRequest.response(for: $0, error: error) }
            handler.handleMalformed(error, badRequest: badRequest, replier: replier)
        }
    }
}
