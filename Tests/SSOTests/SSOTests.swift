import Crypto
import Foundation
import JWTKit
import Testing
@testable import SSO

struct OIDCTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func claims(iss: String = "https://idp.example.com", aud: String = "portcullis", nonce: String? = "n-1",
                issuedAt: Date? = nil) -> IDTokenClaims {
        IDTokenClaims(iss: .init(value: iss), sub: .init(value: "user-1"), aud: .init(value: [aud]), exp: .init(value: now.addingTimeInterval(300)),
                      iat: .init(value: issuedAt ?? now), nonce: nonce, email: "olga@example.com", preferredUsername: nil, name: nil)
    }

    @Test func claimsMustNameTheIssuerTheClientAndTheNonce() {
        func problem(_ claims: IDTokenClaims) -> String? { claims.problem(issuer: "https://idp.example.com", clientId: "portcullis", nonce: "n-1", now: now) }
        #expect(problem(claims()) == nil)
        #expect(problem(claims(iss: "https://evil.example.com"))?.contains("not the configured issuer") == true)
        #expect(problem(claims(aud: "other-client")) == "issued for another client (wrong audience)")
        #expect(problem(claims(nonce: nil)) == "the nonce does not match this sign-in")
        #expect(problem(claims(nonce: "n-2")) == "the nonce does not match this sign-in")
        #expect(problem(claims(issuedAt: now.addingTimeInterval(3_600))) == "issued in the future")
    }

    @Test func onlyTheProvidersKeyMakesASignatureGood() async throws {
        let provider = ES256PrivateKey()
        let attacker = ES256PrivateKey()
        let verifier = await JWTKeyCollection().add(ecdsa: provider.publicKey, kid: "k1")
        var valid = claims()
        valid.exp = .init(value: Date().addingTimeInterval(300))
        let good = try await JWTKeyCollection().add(ecdsa: provider, kid: "k1").sign(valid, kid: "k1")
        let forged = try await JWTKeyCollection().add(ecdsa: attacker, kid: "k1").sign(valid, kid: "k1")
        #expect(try await verifier.verify(good, as: IDTokenClaims.self).email == "olga@example.com")
        await #expect(throws: (any Error).self) { try await verifier.verify(forged, as: IDTokenClaims.self) }
        var expired = valid
        expired.exp = .init(value: Date().addingTimeInterval(-1))
        let old = try await JWTKeyCollection().add(ecdsa: provider, kid: "k1").sign(expired, kid: "k1")
        await #expect(throws: (any Error).self) { try await verifier.verify(old, as: IDTokenClaims.self) }
    }

    @Test func pkceFollowsRFC7636AndStatesWorkOnce() {
        #expect(PendingSignIns.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        let pending = PendingSignIns()
        let (state, signIn, challenge) = pending.start(now: now)
        #expect(state.count == 43 && signIn.verifier.count == 43 && challenge == PendingSignIns.challenge(for: signIn.verifier))
        #expect(pending.take(state, now: now.addingTimeInterval(5))?.nonce == signIn.nonce)
        #expect(pending.take(state, now: now.addingTimeInterval(6)) == nil, "a state comes back once")
        let (late, _, _) = pending.start(now: now)
        #expect(pending.take(late, now: now.addingTimeInterval(601)) == nil, "too old")
    }

    @Test func secretsTravelOverHTTPSOrToLoopbackOnly() {
        #expect(SecureURL.isAcceptable("https://login.microsoftonline.com/tenant/v2.0"))
        #expect(SecureURL.isAcceptable("http://127.0.0.1:9400") && SecureURL.isAcceptable("http://[::1]:9400/x"))
        for bad in ["http://idp.example.com", "ftp://x", "https://user@evil.example.com", "https://", "https://a b", "javascript:alert(1)"] {
            #expect(!SecureURL.isAcceptable(bad), "\(bad)")
        }
    }
}

struct LDAPTests {
    @Test func typedNamesCannotChangeTheFilter() {
        #expect(LDAPDirectory.escape("alice") == "alice")
        #expect(LDAPDirectory.escape("*") == "\\2a")
        #expect(LDAPDirectory.escape("a)(uid=*") == "a\\29\\28uid=\\2a")
        #expect(LDAPDirectory.escape("back\\slash\u{0}") == "back\\5cslash\\00")
    }

    @Test func settingsThatSendPasswordsInClearAreRefused() {
        var settings = LDAPSettings()
        settings.enabled = true
        settings.uri = "ldap://dc.example.com"
        settings.startTLS = false
        settings.bindDN = "cn=svc"
        settings.baseDN = "dc=example,dc=com"
        #expect(settings.problems.contains { $0.hasPrefix("sso.ldap.startTLS") })
        settings.uri = "ldaps://dc.example.com"
        #expect(settings.problems.isEmpty)
        settings.userFilter = "(uid=alice)"
        #expect(settings.problems.contains { $0.hasPrefix("sso.ldap.userFilter") })
    }
}
