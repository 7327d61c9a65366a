@testable import SIPAuth
import SIPCore
import Testing

@Suite("Digest authentication")
struct DigestTests {
    @Test func rfc2617ExampleResponse() {
        let ha1 = DigestAlgorithm.md5.ha1(username: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life")
        let response = DigestVerifier.expectedResponse(ha1: ha1, algorithm: .md5, method: "GET", uri: "/dir/index.html",
                                                       nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", nonceCount: "00000001",
                                                       cnonce: "0a4f113b", qop: "auth")
        #expect(response == "6629fae49393a05397450978507c4ef1")
    }

    @Test func rfc7616ExampleResponses() {
        let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
        for (algorithm, expected) in [(DigestAlgorithm.md5, "8ca523f5e9506fed4657c9700eebdbec"),
                                      (.sha256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")] {
            let ha1 = algorithm.ha1(username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life")
            let response = DigestVerifier.expectedResponse(ha1: ha1, algorithm: algorithm, method: "GET", uri: "/dir/index.html",
                                                           nonce: nonce, nonceCount: "00000001", cnonce: cnonce, qop: "auth")
            #expect(response == expected)
        }
    }

    @Test func credentialsParseQuotedAndTokenValues() throws {
        let credentials = try DigestCredentials(parsing: #"Digest username="1001",realm="portcullis",cnonce="6b8b4567",nc=00000001,qop=auth,uri="sip:127.0.0.1:5090",nonce="abc",response="6d94",algorithm=MD5"#)
        #expect(credentials.username == "1001")
        #expect(credentials.nonceCount == "00000001")
        #expect(credentials.qop == "auth")
        #expect(credentials.algorithm == "MD5")
        #expect(throws: DigestError.self) { try DigestCredentials(parsing: "Basic dXNlcjpwYXNz") }
        #expect(throws: DigestError.self) { try DigestCredentials(parsing: #"Digest username="unterminated"#) }
        // Found by the digest fuzzer: a parameter without a name.
        #expect(throws: DigestError.self) { try DigestCredentials(parsing: #"Digest ="x", username="1001", realm="r", nonce="n", uri="sip:x", response="r""#) }
    }

    /// The credentials are scanned in place; these are the cases where that could differ from a parse into copies.
    @Test func credentialsScannedInPlaceKeepTheirMeaning() throws {
        let credentials = try DigestCredentials(parsing: "  DIGEST USERNAME=\"10\\\"01\", Realm = \"r\" ,\tnonce=\"\",uri=\"sip:x\",response=\"a\",response=\"b\",x-unknown=1")
        #expect(credentials.username == "10\"01")
        #expect(credentials.realm == "r")
        #expect(credentials.nonce == "")
        #expect(credentials.response == "b", "a repeated parameter keeps its last value")
        let tooMany = "Digest " + (0..<33).map { "p\($0)=1" }.joined(separator: ", ")
        #expect(throws: DigestError.self) { try DigestCredentials(parsing: tooMany) }
        let tooLong = #"Digest username="1001", realm="r", nonce=""# + String(repeating: "n", count: 1025) + #"", uri="sip:x", response="r""#
        #expect(throws: DigestError.self) { try DigestCredentials(parsing: tooLong) }
        #expect(throws: DigestError.self) { try DigestCredentials(parsing: #"Digest username="1001\"#) }
        #expect(throws: DigestError.self) { try DigestCredentials(parsing: #"Digest username="1001", realm="r""#) }
        let challenge = try DigestChallenge(parsing: #"Digest REALM="pbx", Nonce="abc", QOP="auth,auth-int", Stale=TRUE"#)
        #expect(challenge.realm == "pbx" && challenge.nonce == "abc" && challenge.qop == "auth" && challenge.stale)
    }

    @Test func noncesAreSignedAndExpire() {
        let signer = NonceSigner(key: Array("key".utf8), lifetime: 300)
        let nonce = signer.makeNonce(now: 1_000)
        // Issue time and randomness in hex, big-endian, then the MAC: the layout phones and other nodes see.
        #expect(signer.makeNonce(now: 0x1234, random: 0xABCD).prefix(32) == "0000000000001234000000000000abcd")
        #expect(nonce.utf8.count == 64 && nonce.utf8.allSatisfy { Array("0123456789abcdef".utf8).contains($0) })
        #expect(signer.check(nonce, now: 1_100) == .valid(issuedAt: 1_000))
        #expect(signer.check(nonce, now: 1_301) == .stale)
        var forged = Array(nonce.utf8)
        forged[5] = forged[5] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        #expect(signer.check(String(decoding: forged, as: UTF8.self), now: 1_100) == .invalid)
        #expect(NonceSigner(key: Array("other".utf8)).check(nonce, now: 1_100) == .invalid)
        // 64 bytes with a two-byte character across the body's end: refused, whatever the bytes.
        let split = String(nonce.prefix(31)) + "é" + String(nonce.suffix(31))
        #expect(split.utf8.count == 64 && signer.check(split, now: 1_100) == .invalid)
    }

    struct Fixture {
        var verifier = DigestVerifier(realm: "portcullis", key: Array("server-key".utf8), nonceLifetime: 60)
        let uri = try! URI(parsing: "sip:127.0.0.1:5060")
        let ha1 = DigestAlgorithm.md5.ha1(username: "1001", realm: "portcullis", password: "Secret-1234")

        func answer(_ challenge: DigestChallenge, password: String = "Secret-1234", nc: UInt32 = 1, user: String = "1001") -> DigestCredentials {
            DigestCredentials(answering: challenge, username: user, password: password, method: .register, uri: uri.description, nonceCount: nc)
        }
    }

    @Test func rightPasswordIsAcceptedOnceperNonceCount() {
        var fixture = Fixture()
        let challenge = fixture.verifier.challenge(algorithm: .md5, now: 1_000)
        let credentials = fixture.answer(challenge)
        let outcome61 = fixture.verifier.verify(credentials, method: .register, requestURI: fixture.uri, ha1: fixture.ha1, now: 1_001)
        #expect(outcome61 == .accepted)
        let outcome62 = fixture.verifier.verify(credentials, method: .register, requestURI: fixture.uri, ha1: fixture.ha1, now: 1_002)
        #expect(outcome62 == .replayedNonceCount)
        let next = fixture.answer(challenge, nc: 2)
        let outcome64 = fixture.verifier.verify(next, method: .register, requestURI: fixture.uri, ha1: fixture.ha1, now: 1_003)
        #expect(outcome64 == .accepted)
    }

    @Test func wrongPasswordAndUnknownUserGetTheSameVerdict() {
        var fixture = Fixture()
        let challenge = fixture.verifier.challenge(algorithm: .md5, now: 1_000)
        let wrong = fixture.answer(challenge, password: "guess")
        let outcome71 = fixture.verifier.verify(wrong, method: .register, requestURI: fixture.uri, ha1: fixture.ha1, now: 1_001)
        #expect(outcome71 == .wrongResponse)
        let unknown = fixture.answer(challenge, user: "9999")
        let outcome73 = fixture.verifier.verify(unknown, method: .register, requestURI: fixture.uri, ha1: nil, now: 1_001)
        #expect(outcome73 == .wrongResponse)
    }

    @Test func expiredNonceIsStaleOnlyWhenThePasswordIsRight() {
        var fixture = Fixture()
        let challenge = fixture.verifier.challenge(algorithm: .sha256, now: 1_000)
        let sha = DigestAlgorithm.sha256.ha1(username: "1001", realm: "portcullis", password: "Secret-1234")
        let outcome80 = fixture.verifier.verify(fixture.answer(challenge), method: .register, requestURI: fixture.uri, ha1: sha, now: 1_100)
        #expect(outcome80 == .staleNonce)
        let outcome81 = fixture.verifier.verify(fixture.answer(challenge, password: "x"), method: .register, requestURI: fixture.uri, ha1: sha, now: 1_100)
        #expect(outcome81 == .wrongResponse)
    }

    @Test func aDigestURIWithoutTheUserPartNamesTheSameServer() throws {
        let invite = try URI(parsing: "sip:1002@127.0.0.1:5060")
        #expect(DigestVerifier.sameURI("sip:127.0.0.1:5060", invite))
        #expect(DigestVerifier.sameURI("sip:127.0.0.1", invite))
        #expect(!DigestVerifier.sameURI("sip:127.0.0.2:5060", invite))
        #expect(!DigestVerifier.sameURI("sip:1003@127.0.0.1:5060", invite))
        #expect(!DigestVerifier.sameURI("sips:127.0.0.1:5060", invite))
    }

    @Test func digestURIMustNameTheRequestURI() {
        var fixture = Fixture()
        let challenge = fixture.verifier.challenge(algorithm: .md5, now: 1_000)
        let other = try! URI(parsing: "sip:other.example.com")
        let outcome88 = fixture.verifier.verify(fixture.answer(challenge), method: .register, requestURI: other, ha1: fixture.ha1, now: 1_001)
        #expect(outcome88 == .uriMismatch)
    }

    @Test func trackerIsBoundedAndForgottenNoncesAreNotFresh() {
        var tracker = NonceCountTracker(capacity: 4, lifetime: 100)
        for index in 0..<10 {
            let accepted = tracker.accept(nonce: "n\(index)", user: "1001", nonceCount: 1, issuedAt: UInt64(index), now: 10)
            #expect(accepted)
        }
        #expect(tracker.count <= 4)
        let accepted1 = tracker.accept(nonce: "n0", user: "1001", nonceCount: 2, issuedAt: 0, now: 10)
        #expect(!accepted1)
        // The review's replay: an evicted nonce offered again at nc=1 is refused, since the horizon passed it.
        #expect(tracker.horizon >= 5)
        let accepted2 = tracker.accept(nonce: "n0", user: "1001", nonceCount: 1, issuedAt: 0, now: 10)
        #expect(!accepted2)
        let accepted3 = tracker.accept(nonce: "n11", user: "1001", nonceCount: 1, issuedAt: 11, now: 11)
        #expect(accepted3, "a newer nonce is fresh")
    }

    /// Full, the tracker forgets one nonce per new one, the one first seen longest ago: the newest stay known (their next
    /// count is accepted), the horizon sits just past the last one forgotten.
    @Test func aFullTrackerForgetsTheOldestOneAtATime() {
        var tracker = NonceCountTracker(capacity: 1_000, lifetime: 100_000)
        let fresh = (0..<5_000).filter { tracker.accept(nonce: "n\($0)", user: "1001", nonceCount: 1, issuedAt: UInt64($0), now: 5_000) }
        #expect(fresh.count == 5_000)
        #expect(tracker.count == 1_000 && tracker.horizon == 4_000)
        let counted = (4_000..<5_000).filter { tracker.accept(nonce: "n\($0)", user: "1001", nonceCount: 2, issuedAt: UInt64($0), now: 5_000) }
        #expect(counted.count == 1_000)
        let forgotten = tracker.accept(nonce: "n3999", user: "1001", nonceCount: 1, issuedAt: 3_999, now: 5_000)
        #expect(!forgotten)
    }

    @Test func trackerCountsPerUserAndDistrustsNoncesFromBeforeItStarted() {
        var tracker = NonceCountTracker(capacity: 100, lifetime: 100, startedAt: 1_000)
        let accepted4 = tracker.accept(nonce: "old", user: "1001", nonceCount: 1, issuedAt: 999, now: 1_010)
        #expect(!accepted4)
        let accepted5 = tracker.accept(nonce: "new", user: "1001", nonceCount: 1, issuedAt: 1_000, now: 1_010)
        #expect(accepted5)
        let accepted6 = tracker.accept(nonce: "new", user: "1002", nonceCount: 1, issuedAt: 1_000, now: 1_010)
        #expect(accepted6, "another user's count")
        let accepted7 = tracker.accept(nonce: "new", user: "1001", nonceCount: 1, issuedAt: 1_000, now: 1_010)
        #expect(!accepted7)
    }

    @Test func everyRefusalHasItsVerdict() {
        var fixture = Fixture()
        let challenge = fixture.verifier.challenge(algorithm: .md5, now: 1_000)
        func verify(_ credentials: DigestCredentials) -> DigestVerdict {
            fixture.verifier.verify(credentials, method: .register, requestURI: fixture.uri, ha1: fixture.ha1, now: 1_001)
        }
        var noQop = fixture.answer(challenge)
        noQop.qop = nil
        #expect(verify(noQop) == .qopRequired)
        var otherRealm = challenge
        otherRealm.realm = "elsewhere"
        #expect(verify(fixture.answer(otherRealm)) == .wrongRealm)
        var forged = challenge
        forged.nonce = String(challenge.nonce.reversed())
        #expect(verify(fixture.answer(forged)) == .invalidNonce)
        var unknownAlgorithm = fixture.answer(challenge)
        unknownAlgorithm.algorithm = "SHA-512-256"
        #expect(verify(unknownAlgorithm) == .unsupportedAlgorithm)
        #expect(verify(fixture.answer(challenge)) == .accepted, "and the right answer still works")
    }
}
