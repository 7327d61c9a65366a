import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Why single sign-on did not sign someone in, in words for the log and the event (never a secret).
public struct SSOError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// One OpenID provider as its discovery document describes it: the authorization request (code flow with PKCE,
/// state and nonce), the code exchange at the token endpoint, and the id_token checked against the provider's keys
/// (JWKS, fetched again when a token names a key not seen yet, at most once a minute: key rotation).
public actor OIDCProvider {
    struct Discovery: Decodable {
        let issuer: String
        let authorizationEndpoint: String
        let tokenEndpoint: String
        let jwksURI: String

        enum CodingKeys: String, CodingKey {
            case issuer
            case authorizationEndpoint = "authorization_endpoint"
            case tokenEndpoint = "token_endpoint"
            case jwksURI = "jwks_uri"
        }
    }

    struct TokenAnswer: Decodable {
        let idToken: String

        enum CodingKeys: String, CodingKey { case idToken = "id_token" }
    }

    public let settings: OIDCSettings
    let clientSecret: String?
    private var discovery: Discovery?
    private var keys: JWTKeyCollection?
    private var keysFetched: Date?
    static let maxDocument = 1 << 20
    static let timeout = TimeAmount.seconds(10)

    public init(settings: OIDCSettings, clientSecret: String?) {
        self.settings = settings
        self.clientSecret = clientSecret
    }

    /// Where to send the browser to sign in.
    public func authorizationURL(state: String, nonce: String, challenge: String) async throws(SSOError) -> String {
        let endpoint = try await discovered().authorizationEndpoint
        guard var components = URLComponents(string: endpoint) else { throw SSOError("the provider's authorization endpoint is not a URL") }
        let existing = components.queryItems ?? []
        components.queryItems = existing + [
            URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: settings.clientId),
            URLQueryItem(name: "redirect_uri", value: settings.redirectURI), URLQueryItem(name: "scope", value: "openid email profile"),
            URLQueryItem(name: "state", value: state), URLQueryItem(name: "nonce", value: nonce),
            URLQueryItem(name: "code_challenge", value: challenge), URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        guard let url = components.string else { throw SSOError("the provider's authorization endpoint is not a URL") }
        return url
    }

    /// Exchanges the code for tokens and returns the id_token's claims once its signature and claims hold.
    public func signIn(code: String, signIn: PendingSignIns.SignIn, now: Date = Date()) async throws(SSOError) -> IDTokenClaims {
        let discovery = try await discovered()
        var form = URLComponents()
        form.queryItems = [
            URLQueryItem(name: "grant_type", value: "authorization_code"), URLQueryItem(name: "code", value: code),
            URLQueryItem(name: "redirect_uri", value: settings.redirectURI), URLQueryItem(name: "client_id", value: settings.clientId),
            URLQueryItem(name: "code_verifier", value: signIn.verifier),
        ] + (clientSecret.map { [URLQueryItem(name: "client_secret", value: $0)] } ?? [])
        let body = (form.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        let answer: TokenAnswer = try await fetch(discovery.tokenEndpoint, method: .POST, form: body)
        let claims = try await verified(answer.idToken)
        if let problem = claims.problem(issuer: discovery.issuer, clientId: settings.clientId, nonce: signIn.nonce, now: now) {
            throw SSOError("the id_token was refused: \(problem)")
        }
        return claims
    }

    /// The id_token's claims if one of the provider's keys signed it (fetching the keys again once when none does).
    func verified(_ token: String) async throws(SSOError) -> IDTokenClaims {
        do {
            return try await currentKeys().verify(token, as: IDTokenClaims.self)
        } catch {
            guard keysFetched.map({ Date().timeIntervalSince($0) >= 60 }) ?? true else {
                throw SSOError("the id_token was refused: \(Self.reason(error))")
            }
            keys = nil
            do {
                return try await currentKeys().verify(token, as: IDTokenClaims.self)
            } catch let error as SSOError {
                throw error
            } catch {
                throw SSOError("the id_token was refused: \(Self.reason(error))")
            }
        }
    }

    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("signature") || text.contains("Signature") { return "bad signature" }
        if text.contains("exp") { return "expired" }
        return String(text.prefix(120))
    }

    private func currentKeys() async throws(SSOError) -> JWTKeyCollection {
        if let keys { return keys }
        let discovery = try await discovered()
        let jwks: JWKS = try await fetch(discovery.jwksURI)
        do {
            let collection = try await JWTKeyCollection().add(jwks: jwks)
            keys = collection
            keysFetched = Date()
            return collection
        } catch {
            throw SSOError("the provider's keys (JWKS) cannot be used: \(error)")
        }
    }

    private func discovered() async throws(SSOError) -> Discovery {
        if let discovery { return discovery }
        let issuer = settings.issuer.hasSuffix("/") ? String(settings.issuer.dropLast()) : settings.issuer
        let document: Discovery = try await fetch(issuer + "/.well-known/openid-configuration")
        guard document.issuer == settings.issuer || document.issuer == issuer else {
            throw SSOError("the discovery document names issuer '\(document.issuer.prefix(80))', not the configured one")
        }
        for url in [document.authorizationEndpoint, document.tokenEndpoint, document.jwksURI] where !SecureURL.isAcceptable(url) {
            throw SSOError("the discovery document names an endpoint that is not https: \(url.prefix(80))")
        }
        discovery = document
        return document
    }

    private func fetch<Answer: Decodable>(_ url: String, method: HTTPMethod = .GET, form: String? = nil) async throws(SSOError) -> Answer {
        do {
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Accept", value: "application/json")
            if let form {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: form))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: OIDCProvider.timeout)
            let body = try await response.body.collect(upTo: OIDCProvider.maxDocument)
            guard response.status == .ok else {
                throw SSOError("\(url.prefix(80)) answered \(response.status.code): \(String(buffer: body).prefix(200))")
            }
            return try JSONDecoder().decode(Answer.self, from: body)
        } catch let error as SSOError {
            throw error
        } catch {
            throw SSOError("cannot read \(url.prefix(80)): \(error)")
        }
    }
}
