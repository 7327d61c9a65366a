import Foundation

/// A user's second factors, stored as one JSON column. Secrets are sealed (the TOTP key) or hashed (recovery and
/// email codes) before they get here.
public struct TwoFactorState: Sendable, Equatable, Codable {
    /// The confirmed TOTP key, sealed; nil: no authenticator app.
    public var totpSealedSecret: String?
    /// A key shown for enrolment and not yet confirmed with a first code.
    public var pendingTOTPSealedSecret: String?
    /// The last 30-second step a code was accepted for: a code is never accepted twice, nor an older one.
    public var lastTOTPStep: Int64?
    /// SHA-256 of the unused recovery codes; each is removed when used.
    public var recoveryCodeHashes: [String] = []
    /// The emailed login code in flight: its SHA-256 and when it stops working.
    public var emailCodeHash: String?
    public var emailCodeExpires: Date?

    public init() {}

    public var hasTOTP: Bool { totpSealedSecret != nil }
}
