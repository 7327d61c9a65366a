import Foundation

/// A logged-in browser or client. The cookie's secret and the CSRF token are kept as SHA-256 only; `id` is a public
/// handle to list and revoke the session by.
public struct SessionRecord: Sendable, Equatable, Codable {
    public var id: String
    public var secretHash: String
    public var csrfHash: String
    public var username: String
    public var createdAt: Date
    /// Refreshed at most once a minute; the idle timeout counts from it.
    public var lastSeenAt: Date
    /// The absolute end, however active the session is.
    public var expiresAt: Date
    public var address: String
    public var userAgent: String
    /// How the user proved who they are: `password`, `login link`, `oidc`, `ldap`.
    public var method: String

    public init(id: String, secretHash: String, csrfHash: String, username: String, createdAt: Date, lastSeenAt: Date, expiresAt: Date,
                address: String, userAgent: String, method: String) {
        self.id = id
        self.secretHash = secretHash
        self.csrfHash = csrfHash
        self.username = username
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.address = address
        self.userAgent = userAgent
        self.method = method
    }
}
