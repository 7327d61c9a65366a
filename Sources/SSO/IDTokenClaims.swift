import Foundation
import JWTKit

/// The claims of an OpenID Connect id_token that sign-in relies on. jwt-kit checks the signature against the
/// provider's keys; `check` then holds the claims to the issuer, the client, the nonce and the time.
public struct IDTokenClaims: JWTPayload, Equatable {
    public var iss: IssuerClaim
    public var sub: SubjectClaim
    public var aud: AudienceClaim
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim?
    public var nonce: String?
    public var email: String?
    public var preferredUsername: String?
    public var name: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nonce, email, name
        case preferredUsername = "preferred_username"
    }

    /// jwt-kit calls this after the signature: the token must not have expired.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }

    /// Why the claims do not fit this sign-in, or nil: issued by `issuer`, for `clientId`, carrying the `nonce` sent,
    /// not issued in the future (a minute of clock skew allowed).
    public func problem(issuer: String, clientId: String, nonce expected: String, now: Date) -> String? {
        if iss.value != issuer { return "issued by '\(iss.value.prefix(80))', not the configured issuer" }
        if !aud.value.contains(clientId) { return "issued for another client (wrong audience)" }
        guard let nonce, nonce == expected else { return "the nonce does not match this sign-in" }
        if let iat, iat.value > now.addingTimeInterval(60) { return "issued in the future" }
        return nil
    }
}
