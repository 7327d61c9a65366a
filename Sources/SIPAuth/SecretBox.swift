import Crypto
import Foundation
import Model

/// Secrets the PBX must keep but not show: a trunk's password (needed in clear to answer its provider, so sealed
/// with AES-GCM) and route PINs (only ever compared, so kept as an HMAC). The key lives in an owner-only file beside
/// the database, never in it: a copy of the database alone opens neither.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    public init(key: [UInt8]) {
        self.key = SymmetricKey(data: key)
    }

    /// The key in `path`, made (32 random bytes, owner-only) when the file does not exist. A file that exists but does
    /// not hold a key is an error: a new key would make every sealed secret unreadable without saying so.
    public static func load(orCreateAt path: String) throws(SecretBoxError) -> SecretBox {
        if !FileManager.default.fileExists(atPath: path) {
            let key = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            guard FileManager.default.createFile(atPath: path, contents: Data(key), attributes: [.posixPermissions: 0o600]) else {
                throw SecretBoxError("cannot create the key file \(path)")
            }
        }
        guard let data = FileManager.default.contents(atPath: path), data.count == 32 else {
            throw SecretBoxError("the key file \(path) does not hold a 32-byte key; restore it from a backup")
        }
        return SecretBox(key: Array(data))
    }


    /// `sealed:v1:` and the base64 of nonce, ciphertext and tag; sealed text is returned as it is.
    public func seal(_ text: String) -> String {
        guard !SecretFormat.isSealed(text), let box = try? AES.GCM.seal(Array(text.utf8), using: key), let combined = box.combined else {
            return text
        }
        return SecretFormat.sealedPrefix + combined.base64EncodedString()
    }

    /// The clear text of `seal`'s output; text that was never sealed (stored by an older version) as it is.
    public func open(_ text: String) throws(SecretBoxError) -> String {
        guard SecretFormat.isSealed(text) else { return text }
        guard let combined = Data(base64Encoded: String(text.dropFirst(SecretFormat.sealedPrefix.count))),
              let box = try? AES.GCM.SealedBox(combined: combined), let clear = try? AES.GCM.open(box, using: key)
        else { throw SecretBoxError("a sealed secret does not open with this key (was the key file replaced?)") }
        return String(decoding: clear, as: UTF8.self)
    }

    /// `hmac-sha256:` and the hex HMAC of `text` under the key; a fingerprint is returned as it is.
    public func fingerprint(_ text: String) -> String {
        guard !SecretFormat.isFingerprint(text) else { return text }
        return SecretFormat.fingerprintPrefix + Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key))
    }
}

public struct SecretBoxError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
