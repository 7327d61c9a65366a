import NIOCore
import SIPCore

/// Cuts a TCP/TLS byte stream into messages by Content-Length; keep-alive CRLFs are consumed silently.
struct SIPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let framer: SIPStreamFramer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let frame = try buffer.withUnsafeReadableBytes { bytes throws(SIPParseError) in try framer.nextFrame(bytes) }
        switch frame {
        case .keepAlive(let length):
            buffer.moveReaderIndex(forwardBy: length)
            return .continue
        case .message(let length):
            guard let message = buffer.readSlice(length: length) else { return .needMoreData }
            context.fireChannelRead(wrapInboundOut(message))
            return .continue
        case .needMoreData:
            return .needMoreData
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        .needMoreData
    }
}
