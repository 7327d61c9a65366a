import Crypto
import SIPAuth

/// Random secrets from the system CSPRNG.
enum SecretGenerator {
    private static let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
    private static let lower = Array("abcdefghijkmnopqrstuvwxyz")
    private static let digits = Array("23456789")

    /// A SIP password with upper and lower case letters and digits (look-alike characters left out).
    static func password(length: Int = 20) -> String {
        var generator = SystemRandomNumberGenerator()
        let all = upper + lower + digits
        var characters = [upper.randomElement(using: &generator)!, lower.randomElement(using: &generator)!,
                          digits.randomElement(using: &generator)!]
        while characters.count < length { characters.append(all.randomElement(using: &generator)!) }
        return String(characters.shuffled(using: &generator))
    }

    /// 32 random bytes as lower-case hex, with a recognizable prefix.
    static func token(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + Hex.encode(bytes)
    }

    static func sha256Hex(_ text: String) -> String {
        Hex.encode(SHA256.hash(data: Array(text.utf8)))
    }
}
