import SIPCore
import Testing

@Suite("RFC 4475 torture messages")
struct TortureTests {
    @Test("every valid message parses and survives a serialize/parse round trip", arguments: RFC4475.valid.map(\.name))
    func validMessageRoundTrips(name: String) throws {
        let fixture = try #require(RFC4475.valid.first { $0.name == name })
        let parser = SIPParser()
        let message = try parser.parse(fixture.bytes)
        let again = try parser.parse(message.serialized())
        #expect(again == message)
    }

    @Test("every invalid message is rejected with the right error", arguments: RFC4475.invalid.map(\.name))
    func invalidMessageIsRejected(name: String) throws {
        let fixture = try #require(RFC4475.invalid.first { $0.name == name })
        #expect {
            _ = try SIPParser().parse(fixture.bytes)
        } throws: { error in
            (error as? SIPParseError)?.code == fixture.expected
        }
    }

    @Test func wsinvHeadersReadAsTheRFCExplains() throws {
        guard case .request(let request) = try SIPParser().parse(RFC4475.wsinv.bytes) else {
            Issue.record("not a request")
            return
        }
        #expect(request.method == .invite)
        #expect(try request.maxForwards() == 68)
        #expect(try request.cseq() == CSeq(9, .invite))
        let vias = try request.vias()
        #expect(vias.map(\.host) == ["192.0.2.2", "spindle.example.com", "192.168.255.111"])
        #expect(vias.map(\.transport) == ["UDP", "TCP", "UDP"])
        #expect(vias.map(\.branch) == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"])
        #expect(try request.to().tag == "1918181833n")
        let from = try request.from()
        #expect(from.displayName == "J Rosenberg \\\"")
        #expect(from.tag == "98asjd8")
        guard case .address(let contact) = try request.contacts().first else {
            Issue.record("no contact")
            return
        }
        #expect(contact.displayName == "Quoted string \"\"")
        #expect(contact.parameters["newparam"] == .some("newvalue"))
        #expect(contact.parameters["secondparam"] == .some(nil))
        #expect(contact.parameters["q"] == .some("0.33"))
        #expect(request.headers[.subject] == "")
        #expect(request.headers["NewFangledHeader"] == "newfangled value continued newfangled value")
        #expect(request.body.count == 150)
    }

    @Test func intmethKeepsUnusualCharacters() throws {
        guard case .request(let request) = try SIPParser().parse(RFC4475.intmeth.bytes),
              case .sip(let uri) = request.uri else {
            Issue.record("not a SIP request")
            return
        }
        #expect(request.method.rawValue == "!interesting-Method0123456789_*+`.%indeed'~")
        #expect(uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        #expect(uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        #expect(try request.to().displayName == "BEL:\u{07} NUL:\u{00} DEL:\u{7F}")
        #expect(try request.from().parameters["fromParam''~+*_!.-%"] == .some("работающий"))
    }

    @Test func dblreqIgnoresTheSecondMessage() throws {
        guard case .request(let request) = try SIPParser().parse(RFC4475.dblreq.bytes) else {
            Issue.record("not a request")
            return
        }
        #expect(request.method == .register)
        #expect(request.body.isEmpty)
    }

    @Test func semiuriKeepsTheSemicolonInTheUserPart() throws {
        guard case .request(let request) = try SIPParser().parse(RFC4475.semiuri.bytes), case .sip(let uri) = request.uri else {
            Issue.record("not a SIP request")
            return
        }
        #expect(uri.user == "user;par=u%40example.net")
        #expect(uri.host == "example.com")
        #expect(uri.parameters.isEmpty)
        #expect(request.headers.values(.accept).count == 6)
    }

    @Test func mpart01BodyIsKeptByteForByte() throws {
        let message = try SIPParser().parse(RFC4475.mpart01.bytes)
        #expect(message.body.count == 553)
        #expect(message.body.suffix(22) == Array("--7a9cbec02ceef655--\r\n".utf8))
    }

    @Test func responsesWithUnusualOrEmptyReasons() throws {
        guard case .response(let unreason) = try SIPParser().parse(RFC4475.unreason.bytes),
              case .response(let noreason) = try SIPParser().parse(RFC4475.noreason.bytes) else {
            Issue.record("not responses")
            return
        }
        #expect(unreason.statusCode == 200)
        #expect(unreason.reasonPhrase == "= 2**3 * 5**2 но сто девяносто девять - простое")
        #expect(noreason.statusCode == 100)
        #expect(noreason.reasonPhrase == "")
    }
}
