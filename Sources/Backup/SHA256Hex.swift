import Crypto
import Foundation

/// SHA-256 as lower-case hex, fed in pieces: the manifest's checksums.
struct SHA256Hex {
    private var hash = SHA256()

    mutating func update(_ data: Data) { hash.update(data: data) }

    func finalize() -> String { hash.finalize().map { String(format: "%02x", $0) }.joined() }

    static func of(_ data: Data) -> String {
        var hash = SHA256Hex()
        hash.update(data)
        return hash.finalize()
    }
}
