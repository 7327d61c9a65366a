import NIOCore
import NIOEmbedded
import SIPCore
import Synchronization
import Testing
@testable import SIPStack

/// Answers every peer the same way and counts the questions.
final class FixedAdmission: SIPAdmissionControl {
    let answer: SIPAdmission
    let asked = Mutex(0)

    init(_ answer: SIPAdmission) { self.answer = answer }

    func admit(_ peer: SocketAddress, transport: SIPTransportKind, localPort: Int, on loop: any EventLoop) -> SIPAdmission {
        asked.withLock { $0 += 1 }
        return answer
    }
}

@Suite("Admission control before parsing")
struct AdmissionTests {
    let peer = try! SocketAddress(ipAddress: "192.0.2.9", port: 5070)

    func datagram(_ channel: EmbeddedChannel, _ bytes: [UInt8]) throws {
        try channel.writeInbound(AddressedEnvelope(remoteAddress: peer, data: channel.allocator.buffer(bytes: bytes)))
    }

    func udpChannel(_ admission: FixedAdmission, _ handler: RecordingHandler) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(parser: SIPParser(limits: SIPLimits()), handler: handler, admission: admission))
        return channel
    }

    @Test func aDroppedDatagramIsNeitherParsedNorAnswered() throws {
        let admission = FixedAdmission(.drop), handler = RecordingHandler()
        let channel = try udpChannel(admission, handler)
        try datagram(channel, StreamPipelineTests.options)
        try datagram(channel, Array("garbage that would earn a 400".utf8))
        #expect(admission.asked.withLock { $0 } == 2)
        #expect(handler.messages.withLock { $0.isEmpty } && handler.errors.withLock { $0.isEmpty })
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) == nil)
    }

    @Test func aRejectedRequestGets403AndIsNotHandled() throws {
        let admission = FixedAdmission(.reject), handler = RecordingHandler()
        let channel = try udpChannel(admission, handler)
        try datagram(channel, StreamPipelineTests.options)
        channel.flush()
        let reply = try #require(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self))
        #expect(reply.remoteAddress == peer)
        #expect(String(buffer: reply.data).hasPrefix("SIP/2.0 403 Forbidden\r\n"))
        #expect(String(buffer: reply.data).contains("Call-ID: pipe"))
        #expect(handler.messages.withLock { $0.isEmpty })
    }

    @Test func anAdmittedDatagramIsHandled() throws {
        let admission = FixedAdmission(.admit), handler = RecordingHandler()
        let channel = try udpChannel(admission, handler)
        try datagram(channel, StreamPipelineTests.options)
        #expect(handler.messages.withLock { $0.count } == 1)
    }

    @Test func aRefusedConnectionIsClosedAtAccept() throws {
        let channel = EmbeddedChannel()
        let handler = RecordingHandler()
        try channel.pipeline.syncOperations.addHandler(SIPConnectionGuard(admission: FixedAdmission(.drop), limiter: ConnectionLimiter(maxTotal: 10, maxPerSource: 10),
                                                                         transport: .tcp, onRefused: { _, _ in }))
        try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(parser: SIPParser(limits: SIPLimits()), handler: handler,
                                                                        transport: .tcp, admission: nil))
        try channel.connect(to: peer).wait()
        #expect(!channel.isActive)
    }

    @Test func aStreamMessageRefusedMidConnectionClosesIt() throws {
        let channel = EmbeddedChannel()
        let handler = RecordingHandler()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SIPFrameDecoder(framer: SIPStreamFramer(limits: SIPLimits()),
                                                                                                                  messageTimeout: .seconds(10))))
        try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(parser: SIPParser(limits: SIPLimits()), handler: handler,
                                                                        transport: .tcp, admission: FixedAdmission(.drop)))
        try channel.connect(to: peer).wait()
        try channel.writeInbound(channel.allocator.buffer(bytes: StreamPipelineTests.options))
        #expect(!channel.isActive && handler.messages.withLock { $0.isEmpty })
    }

    @Test func anOpenConnectionIsAFlowUntilItCloses() throws {
        let channel = EmbeddedChannel()
        let flows = SIPFlowTable()
        try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(parser: SIPParser(limits: SIPLimits()), handler: RecordingHandler(),
                                                                        transport: .tcp, admission: nil, flows: flows))
        try channel.connect(to: peer).wait()
        let device = SIPPeer(address: peer, transport: .tcp)
        #expect(flows.replier(to: device) != nil && flows.connectionCount == 1)
        #expect(flows.replier(to: SIPPeer(address: peer, transport: .tls)) == nil, "another transport is another flow")
        _ = try channel.finish()
        #expect(flows.replier(to: device) == nil && flows.connectionCount == 0)
    }
}
