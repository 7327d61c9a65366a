import Defense
import Media
import Model
import SIPAuth
import SIPCore
import SIPStack

/// The `sip:` section of the configuration, as stored and as `config apply` takes it: listeners, digest
/// authentication, registration bounds, message and connection limits, the registration defense and calls.
/// `serve --sip-listen` and `--tls-*` override the listeners for one run.
public struct SIPSettings: StoredSettings {
    public static let storeKey = "sip.settings"

    /// `[udp:|tcp:|tls:]HOST:PORT`; plain HOST:PORT listens on UDP and TCP.
    public var listen = ["0.0.0.0:5060"]
    /// PEM files for `tls:` listeners.
    public var tls: TLSFiles?
    /// Offered digest algorithms, one challenge each, in order (RFC 8760). Only MD5 by default: SIPp 3.6 reads
    /// only the first challenge and baresip 1.0 (libre) fails the whole REGISTER on a challenge it cannot answer.
    /// Both HA1 digests are always stored, so `[SHA-256, MD5]` or `[SHA-256]` can be switched on without new passwords.
    public var digestAlgorithms: [DigestAlgorithm] = [.md5]
    /// Seconds a digest nonce stays valid (10-3600); an older one is answered with `stale=true`.
    public var nonceLifetime: UInt64 = 300
    public var registration = RegistrationBounds()
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

    public static let fields: [StrictField<SIPSettings>] = [
        .init("listen", \.listen), .init("tls", \.tls), .init("digestAlgorithms", \.digestAlgorithms), .init("nonceLifetime", \.nonceLifetime),
        .init("registration", \.registration), .init("limits", \.limits), .init("connections", \.connections), .init("lockout", \.lockout),
        .init("scanners", \.scanners), .init("calls", \.calls), .init("media", \.media),
    ]

    /// Every problem, as `sip.FIELD: message`; empty when valid.
    public var problems: [String] {
        var problems: [String] = []
        if listen.isEmpty { problems.append("sip.listen: at least one address is required") }
        for address in listen {
            do {
                let parsed = try SIPListenAddress(parsing: address)
                if parsed.transports == [.tls], tls?.certificate == nil || tls?.key == nil {
                    problems.append("sip.listen: \(address) needs sip.tls.certificate and sip.tls.key")
                }
            } catch {
                problems.append("sip.listen: \(error)")
            }
        }
        if let tls, tls.certificate == nil || tls.key == nil { problems.append("sip.tls: give both certificate and key") }
        problems += registration.problems.map { "sip.registration.\($0)" }
        problems += connections.problems.map { "sip.connections.\($0)" }
        problems += lockout.problems.map { "sip.lockout.\($0)" }
        problems += scanners.problems.map { "sip.scanners.\($0)" }
        problems += calls.problems.map { "sip.calls.\($0)" }
        problems += media.problems.map { "sip.media.\($0)" }
        if digestAlgorithms.isEmpty || Set(digestAlgorithms).count != digestAlgorithms.count {
            problems.append("sip.digestAlgorithms: list MD5 and/or SHA-256, each once")
        }
        if !(10...3_600).contains(nonceLifetime) { problems.append("sip.nonceLifetime: must be 10-3600 seconds, got \(nonceLifetime)") }
        problems += limits.problems.map { "sip.limits.\($0)" }
        return problems
    }
}

/// A certificate chain and its private key, as PEM files.
public struct TLSFiles: StrictCodable {
    public var certificate: String?
    public var key: String?

    public init() {}

    public static let fields: [StrictField<TLSFiles>] = [.init("certificate", \.certificate), .init("key", \.key)]
}

extension SIPLimits: StrictCodable {
    public static let fields: [StrictField<SIPLimits>] = [
        .init("maxMessageSize", \.maxMessageSize), .init("maxHeaderCount", \.maxHeaderCount), .init("maxLineLength", \.maxLineLength),
    ]

    /// Every problem, as `FIELD: message`.
    public var problems: [String] {
        var problems: [String] = []
        if !(1_024...65_535).contains(maxMessageSize) { problems.append("maxMessageSize: must be 1024-65535, got \(maxMessageSize)") }
        if !(16...1_000).contains(maxHeaderCount) { problems.append("maxHeaderCount: must be 16-1000, got \(maxHeaderCount)") }
        if !(256...65_535).contains(maxLineLength) { problems.append("maxLineLength: must be 256-65535, got \(maxLineLength)") }
        return problems
    }
}
