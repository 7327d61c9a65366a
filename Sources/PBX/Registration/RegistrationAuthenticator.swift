import Foundation
import SIPAuth
import SIPCore
import Synchronization

/// The outcome of authenticating one request.
public enum AuthenticationOutcome: Sendable, Equatable {
    case authenticated(ExtensionCredentials)
    /// Answer 401 with fresh challenges; `stale` when the client may retry without asking its user. `failure` says
    /// what was wrong with the credentials given, if any.
    case challenge(stale: Bool, failure: DigestVerdict?)
    /// Answer 403; the reason goes to the event log only, never to the client.
    case forbidden(String, username: String)
    case malformed(String)
}

/// Digest authentication of requests from extensions (RFC 3261 section 22): issues challenges and checks
/// answers against the directory. Unknown users get the same answer as a wrong password.
public final class RegistrationAuthenticator: Sendable {
    private let verifier: Mutex<DigestVerifier>
    private let directory: ExtensionDirectory
    private let algorithms: [DigestAlgorithm]

    public init(configuration: PBXConfiguration, key: [UInt8], directory: ExtensionDirectory) {
        verifier = Mutex(DigestVerifier(realm: configuration.realm, key: key, nonceLifetime: configuration.sip.nonceLifetime,
                                        startedAt: UInt64(max(0, Date().timeIntervalSince1970))))
        self.directory = directory
        algorithms = configuration.sip.digestAlgorithms
    }

    /// Whether `username` is an extension's registration name (lockout counts failures per account only for real
    /// ones).
    public func knows(_ username: String) -> Bool { directory.credentials(registrationName: username) != nil }

    /// WWW-Authenticate values, one per offered algorithm, sharing one nonce.
    public func challenges(now: Date, stale: Bool) -> [String] {
        let seconds = UInt64(max(0, now.timeIntervalSince1970))
        return verifier.withLock { verifier in
            let first = verifier.challenge(algorithm: algorithms.first ?? .md5, now: seconds, stale: stale)
            return algorithms.map { algorithm in
                var challenge = first
                challenge.algorithm = algorithm
                return challenge.headerValue
            }
        }
    }

    /// `header` is Authorization for REGISTER (401 challenges) and Proxy-Authorization for other requests (407).
    public func authenticate(_ request: SIPRequest, header name: SIPHeaderName = .authorization, now: Date) -> AuthenticationOutcome {
        guard let header = request.headers.text(name) else { return .challenge(stale: false, failure: nil) }
        let credentials: DigestCredentials
        do {
            credentials = try DigestCredentials(parsing: header)
        } catch {
            return .malformed(error.description)
        }
        let account = directory.credentials(registrationName: credentials.username)
        // An answer computed with an algorithm we did not offer would let a client pick the weaker HA1.
        guard let algorithm = DigestAlgorithm(parameter: credentials.algorithm), algorithms.contains(algorithm) else {
            return .forbidden(DigestVerdict.unsupportedAlgorithm.rawValue, username: credentials.username)
        }
        let ha1 = account.map { algorithm == .sha256 ? $0.ha1SHA256 : $0.ha1MD5 }
        let seconds = UInt64(max(0, now.timeIntervalSince1970))
        let verdict = verifier.withLock { $0.verify(credentials, method: request.method, requestURI: request.uri, ha1: ha1, now: seconds) }
        switch verdict {
        case .accepted:
            guard let account else { return .forbidden(DigestVerdict.wrongResponse.rawValue, username: credentials.username) }
            return .authenticated(account)
        case .staleNonce, .replayedNonceCount:
            return .challenge(stale: true, failure: verdict)
        case .invalidNonce, .wrongRealm:
            return .challenge(stale: false, failure: verdict)
        case .wrongResponse:
            return .forbidden(account == nil ? "unknown user" : verdict.rawValue, username: credentials.username)
        case .uriMismatch, .unsupportedAlgorithm, .qopRequired:
            return .forbidden(verdict.rawValue, username: credentials.username)
        }
    }
}
