import Crypto
import Foundation
import Model
import NIOSSH

/// A public key a user logs in to the console with. Public keys are not secrets; what matters is that only a key
/// someone deliberately added opens a session, and only as its user.
public struct SSHAuthorizedKey: Codable, Sendable, Equatable {
    public var username: String
    /// `ssh-ed25519` or `ecdsa-sha2-nistp256/384/521`.
    public var type: String
    /// The key in the SSH wire format, base64: what the client proves it holds.
    public var key: String
    public var comment: String
    /// `SHA256:...`, as `ssh-keygen -l` prints it.
    public var fingerprint: String
    public var addedAt: Date
    public var addedBy: String

    /// Key types NIOSSH verifies signatures for. RSA (`ssh-rsa`) is not among them.
    public static let acceptedTypes: Set<String> = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"]

    /// Parses one `authorized_keys`-style line (`TYPE BASE64 [COMMENT]`); options before the type are refused.
    public init(line: String, username: String, addedBy: String, now: Date) throws(SSHConsoleError) {
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count <= 16_384, !text.contains("\n") else { throw .invalidKey("give one key on one line") }
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2 else { throw .invalidKey("expected TYPE BASE64") }
        let type = String(parts[0])
        guard SSHAuthorizedKey.acceptedTypes.contains(type) else {
            if type.hasPrefix("ssh-") || type.hasPrefix("ecdsa-") || type.hasPrefix("sk-") { throw .unsupportedKeyType(type) }
            throw .invalidKey("it does not start with a key type")
        }
        guard let blob = Data(base64Encoded: String(parts[1])) else { throw .invalidKey("the key is not base64") }
        do {
            _ = try NIOSSHPublicKey(openSSHPublicKey: "\(type) \(parts[1])")
        } catch {
            throw .invalidKey("the key does not decode as \(type)")
        }
        self.username = username
        self.type = type
        key = String(parts[1])
        comment = parts.count > 2 ? String(parts[2].prefix(200)) : ""
        fingerprint = SSHAuthorizedKey.fingerprint(blob)
        addedAt = now
        self.addedBy = addedBy
    }

    /// `SHA256:` and the unpadded base64 of the digest of the wire-format key, as OpenSSH shows it.
    public static func fingerprint(_ blob: Data) -> String {
        "SHA256:" + Data(SHA256.hash(data: blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// The fingerprint of a key a client presented.
    public static func fingerprint(of key: NIOSSHPublicKey) -> String {
        let text = String(openSSHPublicKey: key)
        let blob = text.split(separator: " ").dropFirst().first.flatMap { Data(base64Encoded: String($0)) } ?? Data()
        return fingerprint(blob)
    }

    /// The keys a user may log in with, kept in the store as one list.
    public struct List: StoredSettings {
        public static let storeKey = "ssh.keys"
        /// Across all users: the list is read at every login.
        public static let maximum = 1_000
        public static let maximumPerUser = 20

        public var keys: [SSHAuthorizedKey] = []

        public init() {}

        public static let fields: [StrictField<List>] = [.init("keys", \.keys)]
    }
}
