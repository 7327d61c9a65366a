import SIPCore
import Testing

/// Header values are read as ranges of one string per message; what a reader sees must be what a string per value gave.
@Suite("Header values read in place")
struct HeaderSectionTests {
    private func parse(_ bytes: [UInt8]) throws -> SIPRequest {
        guard case .request(let request) = try SIPParser().parse(bytes) else { throw SIPParseError(.malformedStartLine, "not a request") }
        return request
    }

    @Test func valuesAreTheReceivedTextWithoutSurroundingBlanks() throws {
        let request = try parse(ParserLimitsTests.register(extraHeaders: [
            "Subject:   spaced out \t", "User-Agent: folded", "  across lines", "X-Last:tight",
        ]))
        #expect(request.headers[.subject] == "spaced out")
        #expect(request.headers[.userAgent] == "folded across lines")
        #expect(request.headers[SIPHeaderName("X-Last")] == "tight")
        #expect(request.callID == "limits-1")
        #expect(try request.from().tag == "a")
        #expect(try request.cseq() == CSeq(1, .register))
    }

    @Test func invalidUTF8IsRepairedInItsOwnHeaderOnly() throws {
        var bytes = ParserLimitsTests.register(extraHeaders: ["Subject: caf?", "X-After: intact"])
        let mark = try #require(bytes.firstIndex(of: UInt8(ascii: "?")))
        bytes[mark] = 0xFF
        let request = try parse(bytes)
        #expect(request.headers[.subject] == "caf\u{FFFD}")
        #expect(request.headers[SIPHeaderName("X-After")] == "intact", "a repair does not shift the headers after it")
        #expect(request.headers[.contentLength] == "0")
    }

    @Test func aBinaryBodyLeavesTheHeadersAndItselfIntact() throws {
        let body: [UInt8] = [0xFF, 0xFE, 0x00, 0x0D, 0x0A, 0x80]
        var bytes = ParserLimitsTests.register(extraHeaders: ["Content-Type: application/octet-stream"], contentLength: body.count)
        bytes += body
        let request = try parse(bytes)
        #expect(request.body == body)
        #expect(request.headers[.contentType] == "application/octet-stream")
        #expect(request.headers[.contentLength] == "\(body.count)")
    }

    @Test func aResponseCopiesTheReceivedValuesAndWritesThemBack() throws {
        let request = try parse(ParserLimitsTests.register())
        let response = SIPResponse(replyingTo: request, statusCode: 200, toTag: "t1")
        let text = String(decoding: response.serialized(), as: UTF8.self)
        #expect(text.contains("\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1;rport\r\n"))
        #expect(text.contains("\r\nTo: <sip:1001@127.0.0.1>;tag=t1\r\n"))
        #expect(text.contains("\r\nCall-ID: limits-1\r\n"))
    }
}
