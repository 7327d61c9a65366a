import Foundation
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

    /// A TOTP key: 32 letters and digits (about 190 bits), which HummingbirdOTP takes as the key's bytes.
    static func totpSecret() -> String { random(32, from: upper + lower + digits) }

    /// A recovery code such as `k7pq2-mx9rt`: ten characters without look-alikes, about 50 bits.
    static func recoveryCode() -> String {
        let code = random(10, from: lower + digits)
        return code.prefix(5) + "-" + code.suffix(5)
    }

    /// A 6-digit code for email.
    static func numericCode() -> String { String(format: "%06d", Int.random(in: 0..<1_000_000)) }

    private static func random(_ count: Int, from set: [Character]) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in set[Int.random(in: 0..<set.count, using: &generator)] })
    }

    static func sha256Hex(_ text: String) -> String {
        Hex.encode(SHA256.hash(data: Array(text.utf8)))
    }
}
