import NIOCore
import SIPCore

/// Cuts a TCP/TLS byte stream into messages by Content-Length; keep-alive CRLFs are consumed silently. A connection
/// must complete its first message (TLS handshake included) within `messageTimeout` of being accepted, and every
/// later message within `messageTimeout` of its first byte, or it is closed: a slow or endless header holds nothing
/// for long.
struct SIPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let framer: SIPStreamFramer
    let messageTimeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(framer: SIPStreamFramer, messageTimeout: TimeAmount) {
        self.framer = framer
        self.messageTimeout = messageTimeout
    }

    mutating func decoderAdded(context: ChannelHandlerContext) {
        arm(context)
    }

    mutating func decoderRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let frame = try buffer.withUnsafeReadableBytes { bytes throws(SIPParseError) in try framer.nextFrame(bytes) }
        switch frame {
        case .keepAlive(let length):
            buffer.moveReaderIndex(forwardBy: length)
        case .message(let length):
            guard let message = buffer.readSlice(length: length) else {
                arm(context)
                return .needMoreData
            }
            context.fireChannelRead(wrapInboundOut(message))
        case .needMoreData:
            arm(context)
            return .needMoreData
        }
        if buffer.readableBytes == 0 {
            deadline?.cancel()
            deadline = nil
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        .needMoreData
    }

    /// Starts the clock for the message under way, unless it is running.
    private mutating func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: messageTimeout) { channel.close(promise: nil) }
    }
}
