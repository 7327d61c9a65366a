import Crypto
import Model

/// The digest hash functions of RFC 8760; MD5 stays for the phones that know nothing else.
public enum DigestAlgorithm: String, StrictChoice {
    case md5 = "MD5"
    case sha256 = "SHA-256"

    /// Parses the `algorithm` parameter; absent means MD5 (RFC 3261 section 22.4).
    public init?(parameter: String?) {
        guard let parameter else {
            self = .md5
            return
        }
        switch parameter.uppercased() {
        case "MD5": self = .md5
        case "SHA-256": self = .sha256
        default: return nil
        }
    }

    /// Lower-case hex digest of UTF-8 text.
    public func hexDigest(_ text: String) -> String {
        var text = text
        // Hashed where the text lies: three of these per authenticated REGISTER.
        return text.withUTF8 { utf8 in
            switch self {
            case .md5: Hex.encode(Insecure.MD5.hash(data: UnsafeRawBufferPointer(utf8)))
            case .sha256: Hex.encode(SHA256.hash(data: UnsafeRawBufferPointer(utf8)))
            }
        }
    }

    /// HA1 = H(username:realm:password), what an extension stores instead of its password.
    public func ha1(username: String, realm: String, password: String) -> String {
        hexDigest("\(username):\(realm):\(password)")
    }
}

/// Lower-case hexadecimal, for digests, nonces, tokens and keys.
public enum Hex {
    /// Several per REGISTER (digests, nonces): one allocation, the text's own.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        return String(unsafeUninitializedCapacity: input.count * 2) { out in
            for (index, byte) in input.enumerated() {
                out[2 * index] = digit(byte >> 4)
                out[2 * index + 1] = digit(byte & 0x0F)
            }
            return input.count * 2
        }
    }

    private static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// Nil unless the text is an even number of hex digits.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2)
        var index = 0
        while index < bytes.count {
            guard let high = nibble(bytes[index]), let low = nibble(bytes[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
