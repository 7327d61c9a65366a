import Foundation
import SIPCore
import Testing

@Suite("Serialization")
struct SerializationTests {
    @Test func controlCharactersNeverLeaveAHeaderOrReasonPhrase() throws {
        var response = SIPResponse(statusCode: 488, reasonPhrase: "Not Acceptable\r\nX-Reason: forged",
                                   headers: SIPHeaders([(.via, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKs"), (.from, "<sip:a@b>;tag=1"),
                                                         (.to, "<sip:c@d>;tag=2"), (.callID, "c1"), (.cseq, "1 INVITE")]))
        // A bare CR from an SDP body, as the review found it copied into a Warning.
        response.appendWarning(agent: "portcullis", "unreadable SDP: line 3\rX-Injected: \"yes\"\u{0}\u{7F}\tend")
        response.headers.append(.subject, "relayed\r\nX-Injected: too")
        let text = String(decoding: response.serialized(), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines[0] == "SIP/2.0 488 Not Acceptable  X-Reason: forged")
        #expect(lines.contains("Warning: 399 portcullis \"unreadable SDP: line 3 X-Injected: \\\"yes\\\"   end\""))
        #expect(lines.contains("Subject: relayed  X-Injected: too"))
        #expect(!text.contains("\r\nX-"), "no header was injected")
        let parsed = try SIPParser(limits: SIPLimits()).parse(response.serialized())
        guard case .response(let again) = parsed else { Issue.record("not a response"); return }
        #expect(again.headers.values(.warning).count == 1)
    }

    @Test func theSourceIsRecordedInTheTopViaOnly() throws {
        var request = SIPRequest(method: .options, uri: try URI(parsing: "sip:192.0.2.9"), headers: SIPHeaders([
            (.via, "SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bKa;rport, SIP/2.0/UDP 10.0.0.8;branch=z9hG4bKb"),
            (.via, "SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKc")]))
        request.recordSource(ip: "198.51.100.4", port: 40000)
        #expect(request.headers.filter { $0.name == .via }.map(\.value) == [
            "SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bKa;rport=40000;received=198.51.100.4, SIP/2.0/UDP 10.0.0.8;branch=z9hG4bKb",
            "SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKc"])
        var direct = SIPRequest(method: .options, uri: try URI(parsing: "sip:192.0.2.9"), headers: SIPHeaders([
            (.via, "SIP/2.0/UDP 198.51.100.4:5060;branch=z9hG4bKd")]))
        direct.recordSource(ip: "198.51.100.4", port: 5060)
        #expect(direct.headers[.via] == "SIP/2.0/UDP 198.51.100.4:5060;branch=z9hG4bKd", "nothing to record")
    }

    /// What validation parsed is kept with the headers; the typed views must still follow every later change.
    @Test func theTypedViewsOfAReceivedRequestFollowChangesToItsHeaders() throws {
        let text = "REGISTER sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bKa;rport\r\n"
            + "From: <sip:201@pbx.test>;tag=f\r\nTo: <sip:201@pbx.test>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n"
            + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        guard case .request(var request) = try SIPParser().parse(Array(text.utf8)) else { Issue.record("not a request"); return }
        #expect(try request.contacts().isEmpty)
        #expect(try request.to().uri.sipURI?.user == "201")
        request.recordSource(ip: "198.51.100.4", port: 40000)
        #expect(try request.topVia() == Via(parsing: request.headers[.via] ?? ""), "the parsed top Via is the written one")
        #expect(try request.topVia().received == "198.51.100.4")
        request.headers.append(.contact, "<sip:201@198.51.100.4:40000>")
        #expect(try request.contacts() == [ContactValue(parsing: "<sip:201@198.51.100.4:40000>")], "an added Contact is seen")
        #expect(try request.topVia().received == "198.51.100.4")
    }

    /// A final response carries a To tag: the request's own when it has one (inside a dialog), ours otherwise.
    @Test func aResponseKeepsTheRequestsToTagOrAddsOne() throws {
        func request(to: String) throws -> SIPRequest {
            let text = "BYE sip:201@pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.7;branch=z9hG4bKb\r\n"
                + "From: <sip:202@pbx.test>;tag=f\r\nTo: \(to)\r\nCall-ID: c2\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"
            guard case .request(let parsed) = try SIPParser().parse(Array(text.utf8)) else { throw SIPParseError(.incomplete, "not a request") }
            return parsed
        }
        let inDialog = SIPResponse(replyingTo: try request(to: "<sip:201@pbx.test>;TAG=abc"), statusCode: 200, toTag: "new")
        #expect(inDialog.headers[.to] == "<sip:201@pbx.test>;TAG=abc")
        let fresh = SIPResponse(replyingTo: try request(to: "<sip:201@pbx.test;transport=udp>"), statusCode: 200, toTag: "new")
        #expect(fresh.headers[.to] == "<sip:201@pbx.test;transport=udp>;tag=new")
    }

    /// A transport writes responses straight into its own buffer, sized by `serializedCapacity` before a byte is
    /// written: a Content-Length that understates the body, several of them, a status code of unusual width and a
    /// long body must all fit, and the bytes must be the array form's.
    @Test func aResponseWrittenInPlaceFitsItsCapacityAndMatchesTheArrayForm() throws {
        let base: [(SIPHeaderName, String)] = [(.via, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKs"), (.from, "<sip:a@b>;tag=1"),
                                               (.to, "<sip:c@d>;tag=2"), (.callID, "c1"), (.cseq, "1 INVITE")]
        let cases = [
            SIPResponse(statusCode: 200, headers: SIPHeaders(base)),
            SIPResponse(statusCode: 200, headers: SIPHeaders(base + [(.contentLength, "0"), (.contentLength, "7")]),
                        body: Array(repeating: 0x61, count: 123_456)),
            SIPResponse(statusCode: 1_000_000_007, reasonPhrase: "", headers: SIPHeaders(base)),
            SIPResponse(statusCode: -42, reasonPhrase: "Negative\r\n", headers: SIPHeaders()),
        ]
        for response in cases {
            let capacity = response.serializedCapacity
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
            defer { buffer.deallocate() }
            let written = response.serialize(into: buffer)
            #expect(written <= capacity)
            #expect(Array(buffer.prefix(written)) == response.serialized())
        }
        let long = String(decoding: cases[1].serialized(), as: UTF8.self)
        #expect(long.components(separatedBy: "\r\n").filter { $0.hasPrefix("Content-Length:") } == ["Content-Length: 123456"])
        #expect(String(decoding: cases[2].serialized(), as: UTF8.self).hasPrefix("SIP/2.0 1000000007 \r\n"))
        #expect(String(decoding: cases[3].serialized(), as: UTF8.self).hasPrefix("SIP/2.0 -42 Negative  \r\n"))
    }
}
