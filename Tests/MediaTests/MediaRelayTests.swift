@testable import Media
import Model
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
        let relay = MediaRelay(settings: MediaSettings().with { $0.portMin = 31_000; $0.portMax = 31_100 }, host: "127.0.0.1")
        let session = try await relay.openSession(on: group.next()).get()
        let caller = try await LoopbackPhone.bind(), callee = try await LoopbackPhone.bind(), intruder = try await LoopbackPhone.bind("127.0.0.2")
        session.setPeer(.caller, host: "127.0.0.1", port: caller.port, signalling: nil)
        session.setPeer(.callee, host: "127.0.0.1", port: callee.port, signalling: nil)
        #expect(relay.openSessions == 1)

        try await intruder.send(Array("spoofed".utf8), to: session.port(facing: .caller))
        try await caller.send(Array("hello".utf8), to: session.port(facing: .caller))
        #expect(try await callee.next() == Array("hello".utf8), "the intruder's packet did not get through first")
        try await callee.send(Array("hi back".utf8), to: session.port(facing: .callee))
        #expect(try await caller.next() == Array("hi back".utf8))
        #expect(session.packets.caller == 1 && session.packets.callee == 1)

        session.close()
        session.close()
        #expect(relay.openSessions == 0)
        for phone in [caller, callee, intruder] { try await phone.channel.close() }
    }

    /// Once a side is latched, only its address is heard: another port on the same host is not (nor does it move
    /// the latch), and the latched phone still is, both ways.
    @Test func aLatchedSideIsHeardOnlyFromItsAddress() async throws {
        let relay = MediaRelay(settings: MediaSettings().with { $0.portMin = 32_400; $0.portMax = 32_500 }, host: "127.0.0.1")
        let session = try await relay.openSession(on: MultiThreadedEventLoopGroup.singleton.next()).get()
        let caller = try await LoopbackPhone.bind(), callee = try await LoopbackPhone.bind(), neighbour = try await LoopbackPhone.bind()
        session.setPeer(.caller, host: "127.0.0.1", port: caller.port, signalling: nil)
        session.setPeer(.callee, host: "127.0.0.1", port: callee.port, signalling: nil)
        try await caller.send(Array("first".utf8), to: session.port(facing: .caller))
        #expect(try await callee.next() == Array("first".utf8))
        try await neighbour.send(Array("take over".utf8), to: session.port(facing: .caller))
        try await caller.send(Array("second".utf8), to: session.port(facing: .caller))
        #expect(try await callee.next() == Array("second".utf8), "the same host's other port was not heard")
        try await callee.send(Array("back".utf8), to: session.port(facing: .callee))
        #expect(try await caller.next() == Array("back".utf8), "answers go to the latched address")
        #expect(neighbour.received.isEmpty && session.packets.caller == 2)
        session.close()
        for phone in [caller, callee, neighbour] { try await phone.channel.close() }
    }

    @Test func aFullRangeRefusesTheNextSession() async throws {
        let relay = MediaRelay(settings: MediaSettings().with { $0.portMin = 31_200; $0.portMax = 31_204 }, host: "127.0.0.1")
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let session = try await relay.openSession(on: loop).get()
        await #expect(throws: MediaRelay.OpenError.self) { try await relay.openSession(on: loop).get() }
        session.close()
        let again = try await relay.openSession(on: loop).get()
        again.close()
    }

    /// An ended call's sockets stay bound for the next call on the same relay loop, oldest first; the next call's media still
    /// crosses only from the addresses it names, so the last call's phone is not heard in it.
    @Test func anEndedCallsSocketsServeTheNextCallOnItsLoopAndItsPhonesAreNotHeardThere() async throws {
        // Each test's range is its own: the suites run at once.
        let relay = MediaRelay(settings: MediaSettings().with { $0.portMin = 31_900; $0.portMax = 32_000 }, host: "127.0.0.1")
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let first = try await relay.openSession(on: loop).get()
        let ports = (first.port(facing: .caller), first.port(facing: .callee))
        // The first call's phones latch both legs (each socket is then connected to its phone).
        let firstCaller = try await LoopbackPhone.bind(), firstCallee = try await LoopbackPhone.bind()
        first.setPeer(.caller, host: "127.0.0.1", port: firstCaller.port, signalling: nil)
        first.setPeer(.callee, host: "127.0.0.1", port: firstCallee.port, signalling: nil)
        try await firstCaller.send(Array("first".utf8), to: ports.0)
        #expect(try await firstCallee.next() == Array("first".utf8))
        try await firstCallee.send(Array("first back".utf8), to: ports.1)
        #expect(try await firstCaller.next() == Array("first back".utf8))
        first.close()
        #expect(relay.keptLegs == 2 && relay.openSessions == 0)
        let second = try await relay.openSession(on: loop).get()
        #expect((second.port(facing: .caller), second.port(facing: .callee)) == ports && relay.keptLegs == 0, "the same sockets, no bind")

        let oldPhone = try await LoopbackPhone.bind("127.0.0.3"), caller = try await LoopbackPhone.bind(), callee = try await LoopbackPhone.bind()
        second.setPeer(.caller, host: "127.0.0.1", port: caller.port, signalling: nil)
        second.setPeer(.callee, host: "127.0.0.1", port: callee.port, signalling: nil)
        try await oldPhone.send(Array("late".utf8), to: second.port(facing: .caller))
        try await caller.send(Array("hello".utf8), to: second.port(facing: .caller))
        #expect(try await callee.next() == Array("hello".utf8), "the last call's late packet did not get through, the new phone did")
        try await callee.send(Array("hi".utf8), to: second.port(facing: .callee))
        #expect(try await caller.next() == Array("hi".utf8), "the last call's latch was undone")
        #expect(second.packets.caller == 1)
        second.close()
        for phone in [oldPhone, caller, callee, firstCaller, firstCallee] { try await phone.channel.close() }
    }

    /// Kept sockets never starve another relay loop: with every port bound, the oldest kept leg gives its port up.
    @Test func keptSocketsOnOneLoopGiveWayToACallOnAnother() async throws {
        let relay = MediaRelay(settings: MediaSettings().with { $0.portMin = 32_100; $0.portMax = 32_104 }, host: "127.0.0.1", threads: 2)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        try await relay.openSession(on: loop, relayLoop: 0).get().close()
        #expect(relay.keptLegs == 2)
        let other = try await relay.openSession(on: loop, relayLoop: 1).get()
        #expect(other.port(facing: .caller) > 0 && relay.keptLegs == 0)
        other.close()
    }

    /// Packets sent back to back all cross, in order (the relay reads what waits on a socket at once and sends it on
    /// together).
    @Test func aBurstCrossesWholeAndInOrder() async throws {
        let relay = MediaRelay(settings: MediaSettings().with { $0.portMin = 32_200; $0.portMax = 32_300 }, host: "127.0.0.1")
        let session = try await relay.openSession(on: MultiThreadedEventLoopGroup.singleton.next()).get()
        let caller = try await LoopbackPhone.bind(), callee = try await LoopbackPhone.bind()
        session.setPeer(.caller, host: "127.0.0.1", port: caller.port, signalling: nil)
        session.setPeer(.callee, host: "127.0.0.1", port: callee.port, signalling: nil)
        let burst = (0..<40).map { [UInt8(0x80), UInt8(0), UInt8(0), UInt8($0)] + [UInt8](repeating: 0xff, count: 160) }
        for packet in burst { try await caller.send(packet, to: session.port(facing: .caller)) }
        var arrived: [[UInt8]?] = []
        for _ in burst { arrived.append(try await callee.next()) }
        #expect(arrived == burst.map(Optional.some))
        #expect(session.packets.caller == burst.count)
        session.close()
        for phone in [caller, callee] { try await phone.channel.close() }
    }

    /// Each session holds four sockets: one that outlives its call leaks them (found with the 10,000-call benchmark).
    @Test func aClosedSessionIsFreed() async throws {
        let relay = MediaRelay(settings: MediaSettings().with { $0.portMin = 31_700; $0.portMax = 31_800 }, host: "127.0.0.1")
        weak var released: MediaSession?
        do {
            let session = try await relay.openSession(on: MultiThreadedEventLoopGroup.singleton.next()).get()
            released = session
            session.close()
        }
        for _ in 0..<50 where released != nil { try await Task.sleep(for: .milliseconds(20)) }
        #expect(released == nil)
    }
}
