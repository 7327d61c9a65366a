import Crypto
import Defense
import SIPAuth

/// Random secrets from the system CSPRNG.
enum SecretGenerator {
    private static let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
    private static let lower = Array("abcdefghijkmnopqrstuvwxyz")
    private static let digits = Array("23456789")

    /// A SIP password of upper and lower case letters and digits (look-alike characters left out) that passes
    /// every credential rule for this extension; 20 characters, about 117 bits.
    static func password(length: Int = 20, number: String = "", names: [String] = []) -> String {
        var generator = SystemRandomNumberGenerator()
        let all = upper + lower + digits
        while true {
            func any(_ set: [Character]) -> Character { set[Int.random(in: 0..<set.count, using: &generator)] }
            var characters = [any(upper), any(lower), any(digits)]
            while characters.count < length { characters.append(any(all)) }
            let candidate = String(characters.shuffled(using: &generator))
            if CredentialRules.problems(candidate, number: number, names: names).isEmpty { return candidate }
        }
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
