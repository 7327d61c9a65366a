import NIOCore
import NIOEmbedded
import SIPCore
@testable import SIPStack
import Synchronization
import Testing

/// Records what the transport delivers.
final class RecordingHandler: SIPMessageHandler {
    let messages = Mutex<[SIPMessage]>([])
    let errors = Mutex<[SIPParseError]>([])

    func handle(_ message: SIPMessage, replier: SIPReplier) { messages.withLock { $0.append(message) } }
    func handleMalformed(_ error: SIPParseError, badRequest: [UInt8]?, replier: SIPReplier) {
        errors.withLock { $0.append(error) }
        if let badRequest { replier.send(badRequest, via: nil) }
    }
}

@Suite("TCP pipeline on an EmbeddedChannel")
struct StreamPipelineTests {
    func makeChannel(_ handler: RecordingHandler) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let limits = SIPLimits()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SIPFrameDecoder(framer: SIPStreamFramer(limits: limits))))
        try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(parser: SIPParser(limits: limits), handler: handler, transport: .tcp, admission: nil))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5555)).wait()
        return channel
    }

    static let options = Array((
        "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5555;branch=z9hG4bKp\r\nFrom: <sip:a@b>;tag=1\r\n" +
        "To: <sip:c@d>\r\nCall-ID: pipe\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").utf8)

    @Test func messagesSplitAcrossReadsAreReassembled() throws {
        let handler = RecordingHandler()
        let channel = try makeChannel(handler)
        let stream = Self.options + Array("\r\n\r\n".utf8) + Self.options
        for chunk in stride(from: 0, to: stream.count, by: 7) {
            try channel.writeInbound(ByteBuffer(bytes: stream[chunk..<min(chunk + 7, stream.count)]))
        }
        #expect(handler.messages.withLock { $0.count } == 2)
        #expect(channel.isActive)
    }

    @Test func aStreamWithoutLineEndsClosesTheConnection() throws {
        let handler = RecordingHandler()
        let channel = try makeChannel(handler)
        let garbage = ByteBuffer(repeating: UInt8(ascii: "x"), count: 70_000)
        _ = try? channel.writeInbound(garbage)
        #expect(handler.errors.withLock { $0.count } == 1)
        #expect(!channel.isActive)
    }
}
