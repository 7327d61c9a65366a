import Logging
import NIOCore
import NIOPosix
import SIPCore
@testable import SIPStack
import Synchronization
import Testing

/// Answers every request 200, as the dispatcher answers OPTIONS.
final class AnsweringHandler: SIPMessageHandler {
    func handle(_ message: consuming SIPMessage, replier: SIPReplier) {
        guard case .request(let request) = message else { return }
        replier.send(SIPResponse(replyingTo: request, statusCode: 200).serialized(), via: try? request.topVia())
    }

    func handleMalformed(_ error: SIPParseError, badRequest: [UInt8]?, replier: SIPReplier) {
        if let badRequest { replier.send(badRequest, via: nil) }
    }
}

@Suite("UDP listeners stay open")
struct ListenerSupervisionTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    static func options(via: String) -> String {
        "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: \(via)\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: sup\r\nCSeq: 1 OPTIONS\r\n"
            + "Content-Length: 0\r\n\r\n"
    }

    /// A UDP client socket that collects what it receives.
    final class Client: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let received = Mutex<[String]>([])
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: unwrapInboundIn(data).data)
            received.withLock { $0.append(text) }
        }
    }

    static func client() async throws -> (any Channel, Client) {
        let client = Client()
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(client) } }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, client)
    }

    static func server(port: Int = 0) async throws -> SIPTransportServer {
        let server = SIPTransportServer(group: group, limits: SIPLimits(), handler: AnsweringHandler(), logger: Logger(label: "test"))
        try await server.bind([SIPListenAddress(host: "127.0.0.1", port: port, transports: [.udp])])
        return server
    }

    /// A server on a free port outside the kernel's ephemeral range (32768-60999), which the other tests' port-0 sockets
    /// draw from, and outside the media tests' ports (10000-20000, 31000-32500): a listener reopened on its port must
    /// not find it taken in between.
    static func serverOffTheEphemeralRange() async throws -> SIPTransportServer {
        for _ in 1...50 {
            if let server = try? await server(port: Int.random(in: 21_000..<29_000)) { return server }
        }
        return try await server(port: Int.random(in: 21_000..<29_000))
    }

    /// Polls until `condition` holds, up to a deadline.
    static func eventually(_ seconds: Double = 5, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    static func send(_ text: String, from channel: any Channel, to port: Int) async throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(string: text))).get()
    }

    @Test func aReplyToAnUnsendableAddressFailsAloneAndTheSocketStaysOpen() async throws {
        let server = try await Self.server()
        let socket = server.listeners.channels[0]
        for destination in [try SocketAddress(ipAddress: "127.0.0.1", port: 0), try SocketAddress(ipAddress: "255.255.255.255", port: 5060),
                            try SocketAddress(ipAddress: "224.0.0.1", port: 5060), try SocketAddress(ipAddress: "::1", port: 5060)] {
            await #expect(throws: SIPTransportError.self, "\(destination)") {
                try await socket.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(string: "x"))).get()
            }
        }
        #expect(socket.isActive)
        let (client, received) = try await Self.client()
        try await Self.send(Self.options(via: "SIP/2.0/UDP 127.0.0.1:\(client.localAddress!.port!);branch=z9hG4bKok;rport"), from: client,
                            to: socket.localAddress!.port!)
        #expect(try await Self.eventually { received.received.withLock { $0.contains { $0.hasPrefix("SIP/2.0 200") } } })
        try await client.close()
        try await socket.close()
    }

    @Test func repliesRecordTheSourceInTheVia() async throws {
        let server = try await Self.server()
        let port = server.listeners.channels[0].localAddress!.port!
        let (client, received) = try await Self.client()
        // The phone believes it is 10.0.0.7:5062 (behind NAT) and asks for rport.
        try await Self.send(Self.options(via: "SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bKnat;rport"), from: client, to: port)
        #expect(try await Self.eventually { !received.received.withLock { $0.isEmpty } })
        let reply = received.received.withLock { $0[0] }
        #expect(reply.contains("Via: SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bKnat;rport=\(client.localAddress!.port!);received=127.0.0.1"))
        try await client.close()
        for channel in server.listeners.channels { try await channel.close() }
    }

    @Test func aListenerThatClosesIsReopenedThenGivenUp() async throws {
        let server = try await Self.serverOffTheEphemeralRange()
        let port = server.listeners.channels[0].localAddress!.port!
        let closures = Mutex<[Bool]>([])
        let supervision = Task { try await server.supervise { _, reopened in closures.withLock { $0.append(reopened) } } }
        try await server.listeners.channels[0].close()
        // Deadlines are long: on a loaded CI machine the whole suite has been seen to stall about 5 s at start.
        #expect(try await Self.eventually(30) { server.listeners.statuses[0].reopened == 1 && server.listeners.channels[0].isActive })
        let (client, received) = try await Self.client()
        try await Self.send(Self.options(via: "SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKre;rport"), from: client, to: port)
        #expect(try await Self.eventually(30) { !received.received.withLock { $0.isEmpty } }, "the reopened listener answers on the same port")
        for _ in 1...SIPTransportServer.maxReopens {
            let channel = server.listeners.channels[0]
            try? await channel.close()
            _ = try await Self.eventually(30) { server.listeners.channels[0] !== channel || server.listeners.statuses[0].state == .closed }
        }
        await #expect(throws: SIPTransportError.self) { try await supervision.value }
        #expect(server.listeners.statuses[0].state == .closed)
        #expect(!server.listeners.allListening)
        #expect(closures.withLock { $0 } == Array(repeating: true, count: SIPTransportServer.maxReopens) + [false])
        try await client.close()
    }
}
