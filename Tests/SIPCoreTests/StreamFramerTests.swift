import SIPCore
import Testing

@Suite("TCP framing by Content-Length")
struct StreamFramerTests {
    func frame(_ bytes: [UInt8], limits: SIPLimits = SIPLimits()) throws -> SIPStreamFramer.Frame {
        try bytes.withUnsafeBytes { buffer throws(SIPParseError) in try SIPStreamFramer(limits: limits).nextFrame(buffer) }
    }

    @Test func aWholeMessageIsFramedAndTheRestWaits() throws {
        let message = ParserLimitsTests.register(body: "hello")
        #expect(try frame(message) == .message(length: message.count))
        #expect(try frame(message + Array(message.prefix(20))) == .message(length: message.count))
        #expect(try frame(Array(message.dropLast(2))) == .needMoreData)
    }

    @Test func keepAlivesAreSkipped() throws {
        #expect(try frame(Array("\r\n\r\n".utf8)) == .keepAlive(length: 4))
    }

    @Test func aMegabyteWithoutLineEndsIsRefused() {
        let garbage = [UInt8](repeating: UInt8(ascii: "A"), count: 1 << 20)
        #expect(throws: SIPParseError.self) { try frame(garbage) }
    }

    @Test func aLongLineIsRefusedBeforeTheSizeLimit() {
        let line = [UInt8](repeating: UInt8(ascii: "A"), count: 9_000)
        #expect(throws: SIPParseError.self) { try frame(line) }
    }

    @Test func streamsRequireContentLength() {
        let bytes = Array("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n".utf8)
        #expect { try frame(bytes) } throws: { ($0 as? SIPParseError)?.code == .missingHeader }
    }

    @Test func aBodyBeyondTheSizeLimitIsRefusedAtOnce() {
        let bytes = ParserLimitsTests.register(body: "", contentLength: 1_000_000)
        #expect { try frame(bytes) } throws: { ($0 as? SIPParseError)?.code == .messageTooLarge }
    }
}
