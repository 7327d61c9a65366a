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

    func handle(_ message: consuming SIPMessage, replier: SIPReplier) {
        let received = message
        messages.withLock { $0.append(received) }
    }
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
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SIPFrameDecoder(framer: SIPStreamFramer(limits: limits),
                                                                                                  messageTimeout: .seconds(10))))
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

    @Test func aConnectionMustCompleteItsFirstMessageInTime() throws {
        let channel = try makeChannel(RecordingHandler())
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive, "connected and silent: closed at the message timeout")
    }

    @Test func aMessageStartedMustEndInTimeWhileKeepAlivesDoNotCount() throws {
        let handler = RecordingHandler()
        let channel = try makeChannel(handler)
        try channel.writeInbound(ByteBuffer(bytes: Self.options))
        for _ in 0..<5 {
            // CRLF keep-alives between messages: nothing under way, no clock running.
            channel.embeddedEventLoop.advanceTime(by: .seconds(9))
            try channel.writeInbound(ByteBuffer(string: "\r\n\r\n"))
        }
        #expect(channel.isActive)
        // A header that never ends, one byte at a time.
        for _ in 0..<9 {
            try channel.writeInbound(ByteBuffer(string: "X"))
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        }
        #expect(channel.isActive)
        try channel.writeInbound(ByteBuffer(string: "X"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive, "ten seconds after its first byte the message is still incomplete")
        #expect(handler.messages.withLock { $0.count } == 1)
    }

    @Test func connectionsOverACapAreRefusedAtAccept() throws {
        let limiter = ConnectionLimiter(maxTotal: 3, maxPerSource: 2)
        let refusals = Mutex<[ConnectionLimiter.Refusal]>([])
        func connect(_ ip: String) throws -> EmbeddedChannel {
            let channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandler(SIPConnectionGuard(admission: nil, limiter: limiter, transport: .tcp) { _, refusal in
                refusals.withLock { $0.append(refusal) }
            })
            try channel.connect(to: SocketAddress(ipAddress: ip, port: 5555)).wait()
            return channel
        }
        let first = try connect("192.0.2.1"), second = try connect("192.0.2.1")
        let third = try connect("192.0.2.1"), fourth = try connect("192.0.2.1")
        #expect(first.isActive && second.isActive && !third.isActive && !fourth.isActive)
        let other = try connect("192.0.2.2")
        let overTotal = try connect("192.0.2.3")
        #expect(other.isActive && !overTotal.isActive)
        #expect(refusals.withLock { $0 } == [.init(cap: .perSource, limit: 2, first: true), .init(cap: .perSource, limit: 2, first: false),
                                              .init(cap: .total, limit: 3, first: true)])
        _ = try first.finish()
        #expect(limiter.openConnections == 2)
        #expect(try connect("192.0.2.1").isActive, "a closed connection gives its place back")
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
