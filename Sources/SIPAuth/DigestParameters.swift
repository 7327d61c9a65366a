import SIPCore

/// The `Digest name=value, name="quoted"` list shared by challenges and credentials (RFC 7616 section 3.3).
/// Scans the value's UTF-8 bytes in place: this runs for every authenticated request, so it builds a `String` only for
/// each name and value it hands out.
enum DigestParameters {
    /// At most this many parameters, each value at most `maxValueLength` bytes.
    static let maxCount = 32
    static let maxValueLength = 1024

    /// Calls `body` with each parameter's lower-cased name and its value, in order.
    static func forEach(in value: Substring, _ body: (String, String) throws(DigestError) -> Void) throws(DigestError) {
        try value.withUTF8Bytes { bytes throws(DigestError) in try scan(bytes, body) }
    }

    /// Every parameter by lower-cased name; a repeated name keeps its last value.
    static func parse(_ value: String) throws(DigestError) -> [String: String] {
        var fields: [String: String] = [:]
        try forEach(in: value[...]) { name, parameterValue in fields[name] = parameterValue }
        return fields
    }

    private static func scan(_ all: UTF8Bytes,
                             _ body: (String, String) throws(DigestError) -> Void) throws(DigestError) {
        var bytes = all.drop(while: SIPCharacterClass.isWhitespace)
        guard bytes.count > 7, zip(bytes.prefix(6), "digest".utf8).allSatisfy({ $0 | 0x20 == $1 }) else {
            throw DigestError.notDigest
        }
        bytes = bytes.dropFirst(6)
        var count = 0
        while true {
            bytes = bytes.drop { SIPCharacterClass.isWhitespace($0) || $0 == UInt8(ascii: ",") }
            guard !bytes.isEmpty else { return }
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { throw DigestError.malformed("parameter without value") }
            let nameBytes = trimmed(bytes[..<equals])
            guard !nameBytes.isEmpty, nameBytes.allSatisfy(isNameByte) else { throw DigestError.malformed("a parameter without a name") }
            let name = String(asciiLowercasing: nameBytes)
            bytes = bytes[(equals + 1)...].drop(while: SIPCharacterClass.isWhitespace)
            let parameterValue: String
            if bytes.first == UInt8(ascii: "\"") {
                bytes = bytes.dropFirst()
                guard let (content, rest) = quoted(bytes) else { throw DigestError.malformed("unterminated quoted value for \(name)") }
                parameterValue = content
                bytes = rest
            } else {
                let end = bytes.firstIndex(of: UInt8(ascii: ",")) ?? bytes.endIndex
                parameterValue = String(decoding: trimmed(bytes[..<end]), as: UTF8.self)
                bytes = bytes[end...]
            }
            count += 1
            guard count <= maxCount, parameterValue.utf8.count <= maxValueLength else {
                throw DigestError.malformed("too many or too long parameters")
            }
            try body(name, parameterValue)
        }
    }

    /// The content of a quoted string whose opening quote is already consumed, with quoted-pairs resolved, and what
    /// follows the closing quote; nil when it is not closed. Copies only when there is an escape to resolve.
    private static func quoted(_ bytes: UTF8Bytes) -> (String, UTF8Bytes)? {
        var index = bytes.startIndex
        while index < bytes.endIndex, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") { index += 1 }
        guard index < bytes.endIndex else { return nil }
        if bytes[index] == UInt8(ascii: "\"") {
            return (String(decoding: bytes[..<index], as: UTF8.self), bytes[(index + 1)...])
        }
        var content = Array(bytes[..<index])
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { return (String(decoding: content, as: UTF8.self), bytes[index...]) }
            if byte == UInt8(ascii: "\\"), index < bytes.endIndex {
                content.append(bytes[index])
                index += 1
            } else {
                content.append(byte)
            }
        }
        return nil
    }

    /// Letters, digits, '-' and '_': every digest parameter name (RFC 7616 section 3.3) is made of them.
    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private static func trimmed(_ bytes: UTF8Bytes) -> UTF8Bytes {
        guard let first = bytes.firstIndex(where: { !SIPCharacterClass.isWhitespace($0) }),
              let last = bytes.lastIndex(where: { !SIPCharacterClass.isWhitespace($0) }) else {
            return bytes[bytes.startIndex..<bytes.startIndex]
        }
        return bytes[first...last]
    }
}
