import Crypto
import Foundation
import Synchronization

/// Sign-ins sent to the provider and not yet back: the `state` they carry maps to the nonce and the PKCE verifier.
/// Each is taken once; at most 10,000 wait, for 10 minutes at most.
public final class PendingSignIns: Sendable {
    public struct SignIn: Sendable {
        public let nonce: String
        public let verifier: String
        let started: Date
    }

    static let capacity = 10_000
    static let lifetime: TimeInterval = 600

    private let waiting = Mutex<[String: SignIn]>([:])

    public init() {}

    /// A new sign-in: its state, nonce, PKCE verifier and the verifier's S256 challenge.
    public func start(now: Date = Date()) -> (state: String, signIn: SignIn, challenge: String) {
        let state = PendingSignIns.random()
        let signIn = SignIn(nonce: PendingSignIns.random(), verifier: PendingSignIns.random(), started: now)
        waiting.withLock { table in
            if table.count >= PendingSignIns.capacity { table = table.filter { now.timeIntervalSince($0.value.started) < PendingSignIns.lifetime } }
            if table.count >= PendingSignIns.capacity, let oldest = table.min(by: { $0.value.started < $1.value.started }) { table[oldest.key] = nil }
            table[state] = signIn
        }
        return (state, signIn, PendingSignIns.challenge(for: signIn.verifier))
    }

    /// The sign-in `state` names, removed so it cannot come back twice; nil when unknown or too old.
    public func take(_ state: String, now: Date = Date()) -> SignIn? {
        guard let signIn = waiting.withLock({ $0.removeValue(forKey: state) }) else { return nil }
        return now.timeIntervalSince(signIn.started) < PendingSignIns.lifetime ? signIn : nil
    }

    /// RFC 7636 S256: base64url(SHA-256(verifier)).
    static func challenge(for verifier: String) -> String {
        base64URL(Array(SHA256.hash(data: Array(verifier.utf8))))
    }

    /// 32 random bytes, base64url (43 characters, valid as a PKCE verifier).
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
