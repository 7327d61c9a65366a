import Crypto
import Foundation

/// What the release feed says about the latest version: signed by the release managers' Ed25519 key, so a feed that
/// is taken over or a network in the middle cannot announce a release of its own.
public struct ReleaseManifest: Codable, Sendable, Equatable {
    public struct Download: Codable, Sendable, Equatable {
        public var platform: String
        public var url: String
        public var sha256: String
    }

    public var version: SemanticVersion
    /// The oldest version that can upgrade to this one directly.
    public var minimumVersion: SemanticVersion
    public var notes: String
    public var published: Date?
    public var downloads: [Download]

    public init(version: SemanticVersion, minimumVersion: SemanticVersion, notes: String, published: Date?, downloads: [Download]) {
        self.version = version
        self.minimumVersion = minimumVersion
        self.notes = notes
        self.published = published
        self.downloads = downloads
    }

    public static func == (lhs: ReleaseManifest, rhs: ReleaseManifest) -> Bool {
        lhs.version == rhs.version && lhs.minimumVersion == rhs.minimumVersion && lhs.notes == rhs.notes && lhs.downloads == rhs.downloads
    }

    /// The feed's document: the manifest's exact bytes and their signature, both base64.
    public struct Signed: Codable, Sendable {
        public var manifest: String
        public var signature: String

        public init(manifest: String, signature: String) {
            self.manifest = manifest
            self.signature = signature
        }
    }

    /// The manifest in `document` when its signature verifies with `key` (raw 32-byte Ed25519 public key).
    public static func verified(_ document: Data, key: Curve25519.Signing.PublicKey) throws(UpdateError) -> ReleaseManifest {
        guard let signed = try? JSONDecoder().decode(Signed.self, from: document), let bytes = Data(base64Encoded: signed.manifest),
              let signature = Data(base64Encoded: signed.signature) else { throw .malformed("the feed is not a signed manifest") }
        guard key.isValidSignature(signature, for: bytes) else { throw .badSignature }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(ReleaseManifest.self, from: bytes)
        } catch {
            throw .malformed("the signed manifest cannot be read: \(error)")
        }
    }
}

public enum UpdateError: Error, Equatable, CustomStringConvertible, Sendable {
    case unreachable(String)
    case malformed(String)
    case badSignature
    case rollback(offered: String, seen: String)

    public var description: String {
        switch self {
        case .unreachable(let detail): "the release feed cannot be reached: \(detail)"
        case .malformed(let detail): detail
        case .badSignature: "the manifest's signature does not verify with the release key: ignored"
        case .rollback(let offered, let seen): "the feed offers \(offered), older than \(seen) seen before (a rollback): ignored"
        }
    }
}
