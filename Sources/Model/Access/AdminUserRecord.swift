import Foundation

/// A person who logs in to the admin API and the portal: an administrator account or an extension's user. The
/// password is a bcrypt hash (empty for an account that only signs in through SSO: no password then matches).
public struct AdminUserRecord: Sendable, Equatable, Codable {
    public var username: String
    public var passwordHash: String
    public var role: String
    public var createdAt: Date
    public var name: String?
    public var email: String?
    public var mobile: String?
    /// The extension this user is, for an extension's user.
    public var extensionNumber: String?
    /// Overrides the role's default: true requires a second factor, false waives it; nil follows the role.
    public var twoFactorRequired: Bool?
    public var twoFactor = TwoFactorState()
    public var passwordChangedAt: Date?
    /// Where the account comes from: `local`, `oidc` or `ldap` (SSO accounts are created at their first sign-in).
    public var source = "local"

    public init(username: String, passwordHash: String, role: String, createdAt: Date, name: String? = nil, email: String? = nil,
                mobile: String? = nil, extensionNumber: String? = nil) {
        self.username = username
        self.passwordHash = passwordHash
        self.role = role
        self.createdAt = createdAt
        self.name = name
        self.email = email
        self.mobile = mobile
        self.extensionNumber = extensionNumber
    }
}
