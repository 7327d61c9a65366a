import Defense
import Media
import SIPAuth
import SIPCore
import SIPStack

/// The settings of the SIP side that may change while running; swapped as a whole.
public struct PBXConfiguration: Sendable, Equatable {
    /// Digest realm; HA1 digests depend on it, so it is fixed at first start.
    public var realm: String = "portcullis"
    public var registration = RegistrationBounds()
    /// Offered digest algorithms, one challenge each, in order (RFC 8760). Only MD5 by default: SIPp 3.6 reads
    /// only the first challenge and baresip 1.0 (libre) fails the whole REGISTER on a challenge it cannot answer.
    /// Both HA1 digests are always stored, so `[SHA-256, MD5]` or `[SHA-256]` can be switched on without new passwords.
    public var digestAlgorithms: [DigestAlgorithm] = [.md5]
    /// Seconds a nonce stays valid; older ones get `stale=true`.
    public var nonceLifetime: UInt64 = 300
    public var limits = SIPLimits()
    /// Caps and timeouts of TCP and TLS connections.
    public var connections = SIPConnectionLimits()
    /// When failed registrations block a source or lock an account.
    public var lockout = RegistrationLockoutSettings()
    public var scanners = ScannerPolicy()
    /// Ring timeout, maximum call duration, call limit.
    public var calls = CallSettings()
    /// The RTP relay: on or off, its port range, the silence timeout.
    public var media = MediaSettings()
    /// False leaves REGISTER without lockout and scanner checks (measurement and troubleshooting only).
    public var registrationGuard = true

    public init() {}
}

/// Expiry bounds of registrations (RFC 3261 section 10.3 step 7).
public struct RegistrationBounds: Sendable, Equatable, Codable {
    /// Shorter requests get 423 Interval Too Brief with this Min-Expires.
    public var minExpires: UInt32 = 60
    /// Longer requests are shortened to this.
    public var maxExpires: UInt32 = 3600
    /// When the request states no expiry.
    public var defaultExpires: UInt32 = 3600
    /// Contacts one extension may have registered at once.
    public var maxContacts: Int = 10

    public init(minExpires: UInt32 = 60, maxExpires: UInt32 = 3600, defaultExpires: UInt32 = 3600, maxContacts: Int = 10) {
        self.minExpires = minExpires
        self.maxExpires = maxExpires
        self.defaultExpires = defaultExpires
        self.maxContacts = maxContacts
    }

    /// Every problem with these bounds, empty when valid.
    public var problems: [String] {
        var problems: [String] = []
        if minExpires < 1 { problems.append("minExpires must be at least 1") }
        if maxExpires < minExpires { problems.append("maxExpires must not be below minExpires") }
        if defaultExpires < minExpires || defaultExpires > maxExpires { problems.append("defaultExpires must lie between minExpires and maxExpires") }
        if maxContacts < 1 || maxContacts > 100 { problems.append("maxContacts must be 1-100") }
        return problems
    }
}
