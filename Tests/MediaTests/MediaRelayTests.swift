@testable import Media
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@Suite("Media relay")
struct MediaRelayTests {
    @Test func portsAreEvenAndReusedLast() {
        var pool = MediaPortPool(min: 10_001, max: 10_010)
        let first = pool.take(), second = pool.take()
        #expect(first == 10_002 && second == 10_004)
        pool.release(10_002)
        #expect([pool.take(), pool.take(), pool.take()] == [10_006, 10_008, 10_002], "a released port goes to the back")
        #expect(pool.take() == nil && pool.inUse == 4)
        pool.release(10_999)
        #expect(pool.inUse == 4, "releasing a port never taken changes nothing")
    }

    /// Two "phones" on loopback talk through a session; a third address that sprays the relay port is ignored.
    @Test func packetsCrossTheRelayOnlyFromTheAddressesNamed() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let relay = MediaRelay(settings: MediaSettings(portMin: 31_000, portMax: 31_100), host: "127.0.0.1")
        let session = try await relay.openSession(on: group.next()).get()
        let caller = try await UDPProbe.bind("127.0.0.1"), callee = try await UDPProbe.bind("127.0.0.1"), intruder = try await UDPProbe.bind("127.0.0.2")
        session.setPeer(.caller, host: "127.0.0.1", port: caller.port, signalling: nil)
        session.setPeer(.callee, host: "127.0.0.1", port: callee.port, signalling: nil)
        #expect(relay.openSessions == 1)

        try await intruder.send("spoofed", to: session.port(facing: .caller))
        try await caller.send("hello", to: session.port(facing: .caller))
        #expect(try await callee.receive() == "hello", "the intruder's packet did not get through first")
        try await callee.send("hi back", to: session.port(facing: .callee))
        #expect(try await caller.receive() == "hi back")
        #expect(session.packets.caller == 1 && session.packets.callee == 1)

        session.close()
        session.close()
        #expect(relay.openSessions == 0)
        for probe in [caller, callee, intruder] { try await probe.channel.close() }
    }

    @Test func aFullRangeRefusesTheNextSession() async throws {
        let relay = MediaRelay(settings: MediaSettings(portMin: 31_200, portMax: 31_204), host: "127.0.0.1")
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let session = try await relay.openSession(on: loop).get()
        await #expect(throws: MediaRelay.OpenError.self) { try await relay.openSession(on: loop).get() }
        session.close()
        let again = try await relay.openSession(on: loop).get()
        again.close()
    }
}

/// A UDP socket for the test to play a phone with.
private struct UDPProbe {
    let channel: any Channel
    let inbox: Inbox
    var port: Int { channel.localAddress?.port ?? 0 }

    final class Inbox: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let messages = NIOLockedValueBox<[String]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: unwrapInboundIn(data).data)
            messages.withLockedValue { $0.append(text) }
        }
    }

    static func bind(_ host: String) async throws -> UDPProbe {
        let inbox = Inbox()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(inbox) } }
            .bind(host: host, port: 0).get()
        return UDPProbe(channel: channel, inbox: inbox)
    }

    func send(_ text: String, to port: Int) async throws {
        let envelope = AddressedEnvelope(remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port),
                                         data: channel.allocator.buffer(string: text))
        try await channel.writeAndFlush(envelope)
    }

    /// The first message not read yet, waiting up to 2 s.
    func receive() async throws -> String? {
        for _ in 0..<200 {
            if let first = inbox.messages.withLockedValue({ $0.isEmpty ? nil : $0.removeFirst() }) { return first }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
