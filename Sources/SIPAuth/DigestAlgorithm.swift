import Crypto
import FoundationEssentials
import Model
import SIPCore

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
        hexDigest(of: [text])
    }

    /// Lower-case hex digest of the pieces joined by colons, as every digest input is (RFC 2617): each piece is fed to
    /// the hash where it lies, so no joined string is made.
    public func hexDigest(of pieces: [String]) -> String {
        String(unsafeUninitializedCapacity: hexLength) { out in
            switch self {
            case .md5: Self.writeHexDigest(of: pieces, Insecure.MD5.self, to: out)
            case .sha256: Self.writeHexDigest(of: pieces, SHA256.self, to: out)
            }
            return hexLength
        }
    }

    /// How many hex digits a digest has.
    public var hexLength: Int {
        switch self {
        case .md5: 2 * Insecure.MD5.byteCount
        case .sha256: 2 * SHA256.byteCount
        }
    }

    /// The hash is made here rather than passed in: a copy of a passed-in hash shares its context, and the first update
    /// would copy it (an allocation per digest).
    static func writeHexDigest<H: HashFunction>(of pieces: [String], _: H.Type, to out: UnsafeMutableBufferPointer<UInt8>) {
        var function = H()
        for (index, piece) in pieces.enumerated() { function.update(piece: piece, afterColon: index > 0) }
        function.finalize().withUnsafeBytes { Hex.write($0, to: out) }
    }

    /// HA1 = H(username:realm:password), what an extension stores instead of its password.
    public func ha1(username: String, realm: String, password: String) -> String {
        hexDigest(of: [username, realm, password])
    }
}

extension HashFunction {
    /// Feeds one piece of a colon-joined digest input (RFC 2617) where its UTF-8 lies.
    mutating func update(piece: some StringProtocol, afterColon: Bool) {
        piece.withUTF8Bytes { update(piece: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0)), afterColon: afterColon) }
    }

    mutating func update(piece: UnsafeRawBufferPointer, afterColon: Bool) {
        if afterColon { withUnsafeBytes(of: UInt8(ascii: ":")) { update(bufferPointer: $0) } }
        update(bufferPointer: piece)
    }
}

/// Lower-case hexadecimal, for digests, nonces, tokens and keys.
public enum Hex {
    /// Several per REGISTER (digests, nonces): one allocation, the text's own.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        bytes.withContiguousStorageIfAvailable { encode(UnsafeRawBufferPointer($0)) } ?? Array(bytes).withUnsafeBytes { encode($0) }
    }

    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            write(bytes, to: UnsafeMutableBufferPointer(rebasing: out[...]))
            return bytes.count * 2
        }
    }

    /// Writes the hex digits of `bytes` at the start of `out`, which has room for twice as many.
    public static func write(_ bytes: UnsafeRawBufferPointer, to out: UnsafeMutableBufferPointer<UInt8>) {
        for (index, byte) in bytes.enumerated() {
            out[2 * index] = digit(byte >> 4)
            out[2 * index + 1] = digit(byte & 0x0F)
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

    /// The number that up to 16 hex digits spell; nil for anything else.
    public static func number(_ digits: some Collection<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard let nibble = nibble(digit) else { return nil }
            value = value << 4 | UInt64(nibble)
        }
        return value
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
