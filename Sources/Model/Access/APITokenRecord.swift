import Foundation

/// An API token; only the SHA-256 of the secret is kept. It acts as its user, with the user's role as it is at each
/// request: a token never has more access than its owner.
public struct APITokenRecord: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var secretHash: String
    /// The user it acts for.
    public var username: String
    public var createdAt: Date
    /// Refused from then on; nil: until revoked.
    public var expiresAt: Date?
    /// When it last authenticated a request (kept to the minute).
    public var lastUsedAt: Date?

    public init(id: String, name: String, secretHash: String, username: String, createdAt: Date, expiresAt: Date? = nil,
                lastUsedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.secretHash = secretHash
        self.username = username
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
    }
}
