import Crypto
import Foundation
import NIOSSH

/// The console's Ed25519 host key: made once, when SSH is first enabled, and kept (sealed) in the store, so clients
/// that trusted it keep trusting it across restarts and restores.
public struct SSHHostKey: Sendable {
    let key: Curve25519.Signing.PrivateKey

    public static func generate() -> SSHHostKey { SSHHostKey(key: Curve25519.Signing.PrivateKey()) }

    /// From the raw private key in base64, as `stored` wrote it.
    public init(stored: String) throws(SSHConsoleError) {
        guard let raw = Data(base64Encoded: stored), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw .hostKeyUnreadable
        }
        self.key = key
    }

    private init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    /// What the store keeps (sealed by the caller: it is the server's identity).
    public var stored: String { key.rawRepresentation.base64EncodedString() }

    var privateKey: NIOSSHPrivateKey { NIOSSHPrivateKey(ed25519Key: key) }

    /// `ssh-ed25519 AAAA...`, for a `known_hosts` line.
    public var publicLine: String { String(openSSHPublicKey: privateKey.publicKey) }

    /// `SHA256:...`, what an OpenSSH client shows on first connect.
    public var fingerprint: String { SSHAuthorizedKey.fingerprint(of: privateKey.publicKey) }
}
