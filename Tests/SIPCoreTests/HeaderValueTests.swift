import SIPCore
import Testing

@Suite("URIs, addresses, Via and SDP")
struct HeaderValueTests {
    @Test func asciiLoweringTouchesOnlyCapitals() throws {
        #expect(String(asciiLowercasing: Array("Nonce_Count-2@[EXAMPLE].Org~`".utf8)) == "nonce_count-2@[example].org~`")
        #expect(String(asciiLowercasing: "ÄB".utf8) == "Äb", "bytes above ASCII are kept as they are")
        guard case .sip(let sip) = try URI(parsing: "sip:1001@My-Host.EXAMPLE") else {
            Issue.record("not sip")
            return
        }
        #expect(sip.host == "my-host.example")
    }

    @Test func sipURIWithEverything() throws {
        let uri = try URI(parsing: "sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&priority=urgent")
        guard case .sip(let sip) = uri else {
            Issue.record("not sip")
            return
        }
        #expect(sip.isSecure)
        #expect(sip.user == "alice")
        #expect(sip.password == "secret")
        #expect(sip.host == "[2001:db8::1]")
        #expect(sip.port == 5061)
        #expect(sip.transport == "tcp")
        #expect(sip.parameters["lr"] == .some(nil))
        #expect(sip.headers == ["subject=hi", "priority=urgent"])
        #expect(try URI(parsing: uri.description) == uri)
    }

    @Test func telAndUnknownSchemes() throws {
        #expect(try URI(parsing: "tel:+1-201-555-0123;phone-context=example.com").scheme == "tel")
        if case .tel(let tel) = try URI(parsing: "tel:+1-201-555-0123") { #expect(tel.digits == "+12015550123") }
        #expect(try URI(parsing: "nobodyKnowsThisScheme:totally-bogus-stuff").scheme == "nobodyKnowsThisScheme")
        // Schemes compare without case; the rest of a URI taken from the middle of a value keeps its own text.
        #expect(try URI(parsing: "SIPS:alice@example.com").sipURI?.isSecure == true)
        #expect(try URI(parsing: "Sip:alice@example.com").sipURI?.isSecure == false)
        #expect(try URI(parsing: "TEL:+4930123").scheme == "tel")
        let value = "<mailto:ünïcode@example.com>"
        #expect(try URI(parsing: value.dropFirst().dropLast()) == .other(scheme: "mailto", value: "ünïcode@example.com"))
    }

    @Test(arguments: ["sip:", "sip:user@", "sip:host:99999", "sip:ho st", "1sip:x", "sip:a@b;=x", "sip:[::1", ":x", "s!p:x",
                      "sip:a\u{7F}b", "sip:<x>", "noscheme"])
    func badURIsAreRefused(text: String) {
        #expect(throws: SIPParseError.self) { try URI(parsing: text) }
    }

    @Test func uriPartsAreReadInPlaceFromSubstrings() throws {
        let line = "<sip:Bob:pw@EXAMPLE.com:5070;transport=TCP;lr?x=1>"
        let inner = line.dropFirst().dropLast()
        let uri = try SIPURI(parsing: inner.dropFirst(4), secure: false)
        #expect(uri.user == "Bob" && uri.password == "pw")
        #expect(uri.host == "example.com", "the host is lower-cased")
        #expect(uri.port == 5070 && uri.transport == "tcp" && uri.parameters["lr"] == .some(nil) && uri.headers == ["x=1"])
        #expect(try SIPURI(parsing: "alice@host", secure: false).password == nil)
        #expect(try SIPURI(parsing: "alice:@host", secure: false).password == "")
        for bad in ["a@b;;lr", "a@b;lr;", "a@b?x=1&&y=2", "a@b?=1", "a@b;x=", "@b"] {
            #expect(throws: SIPParseError.self, "\(bad)") { try SIPURI(parsing: bad, secure: false) }
        }
    }

    @Test(arguments: [("42 INVITE", UInt32(42), "INVITE"), ("  7\tACK  ", 7, "ACK"), ("0 REGISTER", 0, "REGISTER")])
    func cseqIsTwoWords(text: String, number: UInt32, method: String) throws {
        let cseq = try CSeq(parsing: text)
        #expect(cseq.sequence == number && cseq.method.rawValue == method)
    }

    @Test(arguments: ["", "42", "INVITE", "42 INVITE extra", "x42 INVITE", "42 INV@TE", "2147483648 INVITE", "   "])
    func badCSeqsAreRefused(text: String) {
        #expect(throws: SIPParseError.self) { try CSeq(parsing: text) }
    }

    @Test func listValuesAreSplitAcrossLinesWithoutTouchingQuotesOrBrackets() {
        let headers = SIPHeaders([
            (.contact, #""Doe, John" <sip:a@h;x=1,2>, <sip:b@h>"#), (.via, "SIP/2.0/UDP h1"), (.contact, "  <sip:c@h>  "),
            (.subject, "a, b"),
        ])
        #expect(headers.values(.contact) == [#""Doe, John" <sip:a@h;x=1,2>"#, "<sip:b@h>", "<sip:c@h>"])
        #expect(headers.values(.subject) == ["a, b"], "a header that is not a list is not split")
        #expect(headers.lineCount(.contact) == 2 && headers.lineCount(.via) == 1 && headers.lineCount(.route) == 0)
        var seen: [String] = []
        headers.forEachValue(.contact) { seen.append(String($0)) }
        #expect(seen == headers.values(.contact))
    }

    @Test func nameAddrAndAddrSpecParameters() throws {
        let bracketed = try NameAddress(parsing: "\"Alice \\\"A\\\"\" <sip:alice@example.com;transport=udp>;tag=1;expires=60")
        #expect(bracketed.displayName == "Alice \"A\"")
        #expect(bracketed.uri.sipURI?.transport == "udp")
        #expect(bracketed.parameters["expires"] == .some("60"))
        #expect(try NameAddress(parsing: bracketed.description) == bracketed)
        let bare = try NameAddress(parsing: "sip:bob@example.com;tag=9")
        #expect(bare.tag == "9")
        #expect(bare.uri.sipURI?.parameters.isEmpty == true)
    }

    @Test func viaWithReceivedAndRport() throws {
        let via = try Via(parsing: "SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKabc;rport;received=192.0.2.1")
        #expect(via.transport == "UDP")
        #expect(via.port == 5062)
        #expect(via.rport == .some(nil))
        #expect(via.received == "192.0.2.1")
        #expect(via.hasRFC3261Branch)
        #expect(try Via(parsing: via.description) == via)
        let ipv6 = try Via(parsing: "SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bKx;rport=4000")
        #expect(ipv6.host == "[2001:db8::9]")
        #expect(ipv6.rport == .some(4000))
        #expect(throws: SIPParseError.self) { try Via(parsing: "SIP/2.0/UDP host;rport=99999") }
    }

    @Test func sdpConnectionAndPortsCanBeRewritten() throws {
        var sdp = try SessionDescription(parsing: RFC4475.sdp(origin: "192.0.2.3", connection: "192.0.2.4"))
        #expect(sdp.connection?.address == "192.0.2.4")
        #expect(sdp.media.map(\.port) == [49217, 3227])
        sdp.rewriteConnections(to: .init(addressType: "IP4", address: "203.0.113.7"))
        sdp.media[0].port = 40000
        let again = try SessionDescription(parsing: sdp.serialized())
        #expect(again.connection?.address == "203.0.113.7")
        #expect(again.media[0].port == 40000)
        #expect(again.media[1].attributes("rtpmap") == ["31 LPC"])
    }

    // The last two: a bare CR and a NUL inside a line (found by the SDP fuzzer; a CR would end a header it reached).
    @Test(arguments: ["", "v=1\r\n", "v=0\r\nc=IN IP9 x\r\n", "v=0\r\nm=audio x RTP/AVP 0\r\n", "v=0\r\nbogus\r\n",
                      "v=0\r\ns=a\rb\r\n", "v=0\r\ns=a\u{0}b\r\n"])
    func brokenSDPIsRefused(text: String) {
        #expect(throws: SDPParseError.self) { try SessionDescription(parsing: Array(text.utf8)) }
    }
}
