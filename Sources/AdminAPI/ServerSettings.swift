import PBX
import SIPAuth
import SIPCore

/// The server-wide settings kept in the store (and in the YAML configuration): listeners, limits, registration
/// bounds. Flags and PORTCULLIS_* variables of `serve` override the listeners for one run.
public struct ServerSettings: Codable, Sendable, Equatable {
    /// `[udp:|tcp:|tls:]HOST:PORT`; plain HOST:PORT listens on UDP and TCP.
    public var sipListen: [String] = ["0.0.0.0:5060"]
    public var apiListen: String = "127.0.0.1:8088"
    /// PEM files for `tls:` listeners.
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var registration = RegistrationBounds()
    /// Digest algorithms offered in 401 challenges, in order: `MD5`, `SHA-256`.
    public var digestAlgorithms: [DigestAlgorithm] = PBXConfiguration().digestAlgorithms
    /// Seconds a digest nonce stays valid (10-3600); an older one is answered with `stale=true`.
    public var nonceLifetime: UInt64 = PBXConfiguration().nonceLifetime
    public var limits = SIPLimits()

    public init() {}

    static let storeKey = "server.settings"
}
