import Foundation

/// A one-time login link (and its QR code): only the SHA-256 of the secret is kept; it is deleted when used, and a
/// new link for the same user replaces it.
public struct LoginLinkRecord: Sendable, Equatable, Codable {
    public var secretHash: String
    public var username: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(secretHash: String, username: String, createdAt: Date, expiresAt: Date) {
        self.secretHash = secretHash
        self.username = username
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
