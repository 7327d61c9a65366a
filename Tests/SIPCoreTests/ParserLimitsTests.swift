import SIPCore
import Testing

@Suite("Parser limits and hostile input")
struct ParserLimitsTests {
    static func register(extraHeaders: [String] = [], body: String = "", contentLength: Int? = nil) -> [UInt8] {
        let lines = [
            "REGISTER sip:127.0.0.1 SIP/2.0",
            "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1;rport",
            "From: <sip:1001@127.0.0.1>;tag=a",
            "To: <sip:1001@127.0.0.1>",
            "Call-ID: limits-1",
            "CSeq: 1 REGISTER",
            "Contact: <sip:1001@127.0.0.1:5061>",
        ] + extraHeaders + ["Content-Length: \(contentLength ?? body.utf8.count)"]
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    func code(_ bytes: [UInt8], limits: SIPLimits = SIPLimits()) -> SIPParseError.Code? {
        do {
            _ = try SIPParser(limits: limits).parse(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func aPlainRegisterParses() throws {
        #expect(code(Self.register()) == nil)
    }

    /// The start line is split at its spaces in the received bytes: every other spacing is a malformed start line.
    @Test(arguments: ["REGISTER  sip:127.0.0.1 SIP/2.0", " REGISTER sip:127.0.0.1 SIP/2.0", "REGISTER sip:127.0.0.1 SIP/2.0 ",
                      "REGISTER sip:127.0.0.1 SIP/2.0 x", "REGISTER sip:127.0.0.1", "REG{STER sip:127.0.0.1 SIP/2.0",
                      "REGISTER sip:127.0.0.1 SIP/2.", "SIP/2.0  200 OK", "SIP/2.0 2000 OK", "SIP/2.0 099 OK", "SIP/2.0"])
    func startLinesOutOfShapeAreRefused(_ line: String) {
        var bytes = Self.register()
        bytes.replaceSubrange(0..<"REGISTER sip:127.0.0.1 SIP/2.0".utf8.count, with: Array(line.utf8))
        #expect(code(bytes) == .malformedStartLine)
    }

    @Test func startLinesAndHeaderNamesAreReadInPlace() throws {
        var bytes = Self.register(extraHeaders: ["m: <sip:1001@127.0.0.1:5062>", "X-Custom-Header: one", "USER-agent: phone"])
        guard case .request(let request) = try SIPParser().parse(bytes) else { throw SIPParseError(.incomplete, "not a request") }
        #expect(request.method == .register && request.uri.sipURI?.host == "127.0.0.1")
        #expect(request.headers.lineCount(.contact) == 2 && request.headers[.userAgent] == "phone")
        #expect(request.headers.fields.map(\.name.canonical).contains("X-Custom-Header"))
        #expect(request.headers[SIPHeaderName("x-custom-header")] == "one")
        bytes = Array("SIP/2.0 404 Not Found Here\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n".utf8)
        guard case .response(let response) = try SIPParser().parse(bytes) else { throw SIPParseError(.incomplete, "not a response") }
        #expect(response.statusCode == 404 && response.reasonPhrase == "Not Found Here")
        #expect(String(decoding: response.serialized().prefix(26), as: UTF8.self) == "SIP/2.0 404 Not Found Here")
    }

    @Test func oversizedMessageIsRefusedAs513() {
        let bytes = Self.register(body: String(repeating: "x", count: 70_000))
        #expect(code(bytes) == .messageTooLarge)
        #expect(SIPParseError(.messageTooLarge, "").statusCode == 513)
    }

    @Test func tenThousandHeadersAreRefused() {
        let bytes = Self.register(extraHeaders: (0..<10_000).map { "X-H\($0): v" })
        var limits = SIPLimits()
        limits.maxMessageSize = 1 << 20
        #expect(code(bytes, limits: limits) == .tooManyHeaders)
    }

    @Test func anOverlongHeaderLineIsRefused() {
        let bytes = Self.register(extraHeaders: ["X-Long: " + String(repeating: "a", count: 9_000)])
        #expect(code(bytes) == .lineTooLong)
    }

    @Test func foldedLinesCountTowardTheLineLimit() {
        let folded = (0..<100).map { _ in " " + String(repeating: "b", count: 100) }
        let bytes = Self.register(extraHeaders: ["X-Folded: a"] + folded)
        #expect(code(bytes) == .lineTooLong)
    }

    @Test func contentLengthBeyondTheBodyIsRefused() {
        #expect(code(Self.register(body: "abc", contentLength: 400)) == .contentLengthMismatch)
    }

    @Test func differentContentLengthsAreRefused() {
        #expect(code(Self.register(extraHeaders: ["l: 3"], body: "abcd")) == .invalidContentLength)
    }

    @Test func truncatedMessagesAreRefused() {
        let whole = Self.register()
        for length in [1, 10, 40, whole.count / 2, whole.count - 3] {
            #expect(code(Array(whole.prefix(length))) != nil, "prefix of \(length) bytes")
        }
    }

    @Test func missingMandatoryHeaderIsReported() {
        let bytes = Array("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\nCSeq: 1 OPTIONS\r\n\r\n".utf8)
        #expect(code(bytes) == .missingHeader)
    }

    @Test func randomBytesNeverCrashTheParser() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<600, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = code(bytes)
        }
    }

    @Test func badRequestResponseNamesTheProblem() throws {
        let bytes = Self.register(body: "abc", contentLength: 400)
        let error = SIPParseError(.contentLengthMismatch, "Content-Length 400 but 3 bytes follow")
        let response = try #require(bytes.withUnsafeBytes { SIPRawReply.badRequest(for: $0, error: error) })
        guard case .response(let parsed) = try SIPParser().parse(response) else {
            Issue.record("not a response")
            return
        }
        #expect(parsed.statusCode == 400)
        #expect(parsed.reasonPhrase.contains("Content-Length 400"))
        #expect(parsed.callID == "limits-1")
    }

    @Test func garbageGetsNoResponse() {
        let bytes = Array("\u{01}\u{02}garbage\r\n\r\n".utf8)
        #expect(bytes.withUnsafeBytes { SIPRawReply.badRequest(for: $0, error: SIPParseError(.malformedStartLine, "x")) } == nil)
    }
}
