@testable import Media
import Model
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@Suite("Media endpoint")
struct MediaEndpointTests {
    static func event(_ code: UInt8, timestamp: UInt32, sequence: UInt16, end: Bool = false) -> [UInt8] {
        RTPPacket(payloadType: 101, sequence: sequence, timestamp: timestamp, ssrc: 7, payload: [code, end ? 0x8A : 0x0A, 0x01, 0x40]).bytes
    }

    @Test func rtpHeadersRoundTripAndJunkIsRefused() {
        let packet = RTPPacket(marker: true, payloadType: 8, sequence: 65_535, timestamp: 0xDEAD_BEEF, ssrc: 42, payload: [1, 2, 3])
        #expect(RTPPacket(packet.bytes) == packet)
        #expect(RTPPacket([0x80, 0, 0]) == nil && RTPPacket(Array(repeating: 0, count: 20)) == nil, "too short, or version 0")
    }

    @Test func oneDigitPerEventHoweverManyPacketsCarryIt() {
        var detector = DTMFDetector(payloadType: 101)
        let keyed = [Self.event(1, timestamp: 100, sequence: 1), Self.event(1, timestamp: 100, sequence: 2),
                     Self.event(1, timestamp: 100, sequence: 3, end: true), Self.event(1, timestamp: 100, sequence: 4, end: true),
                     Self.event(11, timestamp: 900, sequence: 5), Self.event(10, timestamp: 1_700, sequence: 6),
                     RTPPacket(payloadType: 0, sequence: 7, timestamp: 2_000, ssrc: 7, payload: [0xFF]).bytes,
                     Self.event(16, timestamp: 2_500, sequence: 8)]
        let digits = keyed.compactMap { RTPPacket($0).flatMap { detector.receive($0) } }
        #expect(String(digits) == "1#*", "audio and non-key events are not digits")
    }

    @Test func collectionEndsAtTheTerminatorOrTheLimit() {
        var pin = DigitCollector(DigitRequest(maxDigits: 15, terminator: "#"))
        #expect(pin.add("1") == .more && pin.add("2") == .more && pin.add("#") == .done("12"))
        var short = DigitCollector(DigitRequest(maxDigits: 2, terminator: nil))
        #expect(short.add("5") == .more && short.add("6") == .done("56"))
    }

    @Test func theShippedPromptsLoad() {
        for prompt in [Prompt.enterPIN, .pinInvalid, .goodbye] {
            #expect(prompt.duration > 0.5 && prompt.samples(payloadType: 0).count == prompt.samples(payloadType: 8).count, "\(prompt.name)")
        }
    }

    /// A phone on loopback hears the prompt as RTP and keys digits back as RFC 4733 events.
    @Test func aPromptIsPlayedAndDigitsAreCollected() async throws {
        let relay = MediaRelay(settings: MediaSettings().with { $0.portMin = 31_300; $0.portMax = 31_400 }, host: "127.0.0.1")
        let session = try await relay.openSession(on: MultiThreadedEventLoopGroup.singleton.next()).get()
        defer { session.close() }
        let phone = try await LoopbackPhone.bind()
        session.setPeer(.caller, host: "127.0.0.1", port: phone.port, signalling: nil)
        let endpoint = session.takeOver(.caller, audioPayloadType: 0, dtmfPayloadType: 101)
        let prompt = Prompt(name: "test", ulaw: Array(repeating: 0x7F, count: 800), alaw: Array(repeating: 0x55, count: 800))
        let result = NIOLockedValueBox<String??>(nil)
        // The timeout only bounds a failure: the test process runs every suite at once on two cores, and its task can
        // wait seconds for a thread between hearing the prompt and keying (CI timed out once with 3 s).
        endpoint.play(prompt, collecting: DigitRequest(maxDigits: 8, terminator: "#", timeout: 30)) { digits in
            result.withLockedValue { $0 = .some(digits) }
        }
        #expect(try await eventually { phone.received.count >= 5 })
        let heard = phone.received.compactMap(RTPPacket.init)
        #expect(heard.count == 5 && heard.allSatisfy { $0.payloadType == 0 && $0.payload.count == 160 })
        #expect(zip(heard, heard.dropFirst()).allSatisfy { $1.sequence == $0.sequence &+ 1 && $1.timestamp == $0.timestamp &+ 160 })
        for (index, code) in [UInt8(4), 2, 11].enumerated() {
            for repeat_ in 0..<3 {
                try await phone.send(Self.event(code, timestamp: UInt32(index * 800), sequence: UInt16(index * 3 + repeat_), end: repeat_ == 2),
                                     to: session.port(facing: .caller))
            }
        }
        #expect(try await eventually(within: 40) { result.withLockedValue { $0 } != nil })
        #expect(result.withLockedValue { $0 } == .some("42"))
    }

    @Test func silenceAfterThePromptTimesOut() async throws {
        let relay = MediaRelay(settings: MediaSettings().with { $0.portMin = 31_500; $0.portMax = 31_600 }, host: "127.0.0.1")
        let session = try await relay.openSession(on: MultiThreadedEventLoopGroup.singleton.next()).get()
        defer { session.close() }
        let endpoint = session.takeOver(.caller, audioPayloadType: 8, dtmfPayloadType: 101)
        let result = NIOLockedValueBox<String??>(nil)
        endpoint.play(Prompt(name: "t", ulaw: [], alaw: []), collecting: DigitRequest(timeout: 1)) { digits in
            result.withLockedValue { $0 = .some(digits) }
        }
        #expect(try await eventually { result.withLockedValue { $0 } != nil })
        #expect(result.withLockedValue { $0 } == .some(nil), "nil digits: timed out")
    }
}
