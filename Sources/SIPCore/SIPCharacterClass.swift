/// Byte classes of the RFC 3261 grammar (section 25.1), as lookup tables so the hot path does no branching on ranges.
public enum SIPCharacterClass {
    /// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    static let token: [Bool] = table { isAlphanumeric($0) || "-.!%*_+`'~".utf8.contains($0) }
    /// Characters of a URI user part: unreserved, escaped and user-unreserved.
    static let user: [Bool] = table { isUnreserved($0) || "%&=+$,;?/".utf8.contains($0) }
    /// Characters of a URI password.
    static let password: [Bool] = table { isUnreserved($0) || "%&=+$,".utf8.contains($0) }
    /// paramchar of a URI parameter: unreserved, escaped, "[]/:&+$".
    static let uriParameter: [Bool] = table { isUnreserved($0) || "%[]/:&+$".utf8.contains($0) }
    /// hnv-unreserved / unreserved / escaped, for URI headers.
    static let uriHeader: [Bool] = table { isUnreserved($0) || "%[]/?:+$".utf8.contains($0) }
    /// Host names, IPv4 and bracketed IPv6 references.
    static let host: [Bool] = table { isAlphanumeric($0) || "-.[]:".utf8.contains($0) }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "-_.!~*'()".utf8.contains(byte)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// The byte with an ASCII capital lowered, any other kept.
    @inlinable
    public static func asciiLowercased(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// SP or HTAB (RFC 3261 WSP), also between the parameters of a digest header.
    public static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    static func isToken<S: StringProtocol>(_ text: S) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { token[Int($0)] }
    }

    static func matches<S: StringProtocol>(_ text: S, _ table: [Bool]) -> Bool {
        text.utf8.allSatisfy { table[Int($0)] }
    }

    static func matches(_ bytes: some Sequence<UInt8>, _ table: [Bool]) -> Bool {
        bytes.allSatisfy { table[Int($0)] }
    }

    private static func table(_ predicate: (UInt8) -> Bool) -> [Bool] {
        (0...255).map { predicate(UInt8($0)) }
    }
}
