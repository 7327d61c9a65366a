import Defense
import Media
import PBX
import SIPAuth
import SIPCore
import SIPStack

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
    /// Caps and timeouts of SIP TCP and TLS connections.
    public var connections = SIPConnectionLimits()
    /// When failed registrations block a source or lock an account.
    public var lockout = RegistrationLockoutSettings()
    /// Requests from known scanners: dropped and their source blocked by default.
    public var scanners = ScannerPolicy()
    /// Ring timeout, maximum call duration, calls at once.
    public var calls = CallSettings()
    /// The RTP relay (restart to change).
    public var media = MediaSettings()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case sipListen, apiListen, tlsCertificate, tlsKey, registration, digestAlgorithms, nonceLifetime, limits, connections, lockout, scanners, calls, media
    }

    /// Settings stored by an older version lack newer fields: those take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ServerSettings()
        sipListen = try container.decodeIfPresent([String].self, forKey: .sipListen) ?? defaults.sipListen
        apiListen = try container.decodeIfPresent(String.self, forKey: .apiListen) ?? defaults.apiListen
        tlsCertificate = try container.decodeIfPresent(String.self, forKey: .tlsCertificate)
        tlsKey = try container.decodeIfPresent(String.self, forKey: .tlsKey)
        registration = try container.decodeIfPresent(RegistrationBounds.self, forKey: .registration) ?? defaults.registration
        digestAlgorithms = try container.decodeIfPresent([DigestAlgorithm].self, forKey: .digestAlgorithms) ?? defaults.digestAlgorithms
        nonceLifetime = try container.decodeIfPresent(UInt64.self, forKey: .nonceLifetime) ?? defaults.nonceLifetime
        limits = try container.decodeIfPresent(SIPLimits.self, forKey: .limits) ?? defaults.limits
        connections = try container.decodeIfPresent(SIPConnectionLimits.self, forKey: .connections) ?? defaults.connections
        lockout = try container.decodeIfPresent(RegistrationLockoutSettings.self, forKey: .lockout) ?? defaults.lockout
        scanners = try container.decodeIfPresent(ScannerPolicy.self, forKey: .scanners) ?? defaults.scanners
        calls = try container.decodeIfPresent(CallSettings.self, forKey: .calls) ?? defaults.calls
        media = try container.decodeIfPresent(MediaSettings.self, forKey: .media) ?? defaults.media
    }

    static let storeKey = "server.settings"
}
