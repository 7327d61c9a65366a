import Crypto
import CryptoExtras
import Foundation

/// The keys of one backup, derived from its passphrase with scrypt (memory-hard; N = 2^17, r = 8, p = 1 as OWASP
/// recommends, 128 MiB for about half a second), a random salt each. Restore accepts only parameters in a bounded
/// range, so a crafted file cannot make it take gigabytes.
public struct BackupKey: Sendable {
    public struct Parameters: Codable, Sendable, Equatable {
        public var name = "scrypt"
        public var salt: Data
        public var n = 1 << 17
        public var r = 8
        public var p = 1

        public init(salt: Data) { self.salt = salt }

        var acceptable: Bool {
            name == "scrypt" && (16...64).contains(salt.count) && n.nonzeroBitCount == 1 && ((1 << 14)...(1 << 20)).contains(n)
                && (1...16).contains(r) && (1...4).contains(p)
        }
    }

    /// Seals the archive's chunks (AES-256-GCM).
    let encryption: SymmetricKey
    /// Told in the header (a hash of a second derived key) so a wrong passphrase is told from a damaged file.
    let check: Data

    public static let minimumPassphraseLength = 12

    init(passphrase: String, parameters: Parameters) throws(BackupError) {
        guard parameters.acceptable else { throw .damaged("its key parameters are out of range") }
        let derived: SymmetricKey
        do {
            derived = try KDF.Scrypt.deriveKey(from: Data(passphrase.utf8), salt: parameters.salt, outputByteCount: 64, rounds: parameters.n,
                                               blockSize: parameters.r, parallelism: parameters.p, maxMemory: 256 << 20)
        } catch {
            throw .io("cannot derive the key: \(error)")
        }
        let bytes = derived.withUnsafeBytes { Data($0) }
        encryption = SymmetricKey(data: bytes.prefix(32))
        check = Data(SHA256.hash(data: Data("portcullis backup key check".utf8) + bytes.suffix(32)))
    }
}
