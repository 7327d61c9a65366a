/// The `Digest name=value, name="quoted"` list shared by challenges and credentials (RFC 7616 section 3.3).
/// Scans UTF-8 bytes: this runs for every authenticated request.
enum DigestParameters {
    /// Parameter names lower-cased; bounded in count and length.
    static func parse(_ value: String) throws(DigestError) -> [String: String] {
        var bytes = Array(value.utf8)[...]
        bytes = bytes.drop { $0 == 0x20 || $0 == 0x09 }
        guard bytes.count > 7, bytes.prefix(6).map({ $0 | 0x20 }) == Array("digest".utf8) else { throw DigestError.notDigest }
        bytes = bytes.dropFirst(6)
        var fields: [String: String] = [:]
        while true {
            bytes = bytes.drop { $0 == 0x20 || $0 == 0x09 || $0 == UInt8(ascii: ",") }
            guard !bytes.isEmpty else { return fields }
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { throw DigestError.malformed("parameter without value") }
            let nameBytes = trimmed(bytes[..<equals])
            guard !nameBytes.isEmpty, nameBytes.allSatisfy(isNameByte) else { throw DigestError.malformed("a parameter without a name") }
            let name = String(decoding: nameBytes.map { $0 | 0x20 }, as: UTF8.self)
            bytes = bytes[(equals + 1)...].drop { $0 == 0x20 || $0 == 0x09 }
            var parameterValue: [UInt8] = []
            if bytes.first == UInt8(ascii: "\"") {
                bytes = bytes.dropFirst()
                var closed = false
                while let byte = bytes.first {
                    bytes = bytes.dropFirst()
                    if byte == UInt8(ascii: "\\"), let escaped = bytes.first {
                        parameterValue.append(escaped)
                        bytes = bytes.dropFirst()
                    } else if byte == UInt8(ascii: "\"") {
                        closed = true
                        break
                    } else {
                        parameterValue.append(byte)
                    }
                }
                guard closed else { throw DigestError.malformed("unterminated quoted value for \(name)") }
            } else {
                let end = bytes.firstIndex(of: UInt8(ascii: ",")) ?? bytes.endIndex
                parameterValue = Array(trimmed(bytes[..<end]))
                bytes = bytes[end...]
            }
            guard fields.count < 32, parameterValue.count <= 1024 else { throw DigestError.malformed("too many or too long parameters") }
            fields[name] = String(decoding: parameterValue, as: UTF8.self)
        }
    }

    /// Letters, digits, '-' and '_': every digest parameter name (RFC 7616 section 3.3) is made of them.
    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return [] }
        return bytes[first...last]
    }
}
