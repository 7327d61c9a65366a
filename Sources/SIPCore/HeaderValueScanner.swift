/// A cursor over one header value, with the lexical rules of RFC 3261 section 25.1 (SWS, tokens, quoted strings).
/// It reads the value's bytes in place, so it lives inside `withUTF8Bytes` (see `scan(_:header:_:)`).
struct HeaderValueScanner {
    private let bytes: UTF8Bytes
    private(set) var position: Int
    /// Names the header in errors.
    let header: String

    private init(_ bytes: UTF8Bytes, header: String) {
        self.bytes = bytes
        position = bytes.startIndex
        self.header = header
    }

    /// Runs `body` with a scanner over `text`.
    static func scan<R>(_ text: some StringProtocol, header: String,
                        _ body: (inout HeaderValueScanner) throws(SIPParseError) -> R) throws(SIPParseError) -> R {
        try text.withUTF8Bytes { bytes throws(SIPParseError) in
            var scanner = HeaderValueScanner(bytes, header: header)
            return try body(&scanner)
        }
    }

    var isAtEnd: Bool { position >= bytes.endIndex }
    var peek: UInt8? { isAtEnd ? nil : bytes[position] }
    var remaining: String { String(decoding: bytes[min(position, bytes.endIndex)...], as: UTF8.self) }

    mutating func skipWhitespace() {
        while let byte = peek, SIPCharacterClass.isWhitespace(byte) || byte == 0x0D || byte == 0x0A { position += 1 }
    }

    /// Consumes the byte (after optional whitespace on both sides) when it is next.
    mutating func consume(_ byte: UInt8, spaced: Bool = true) -> Bool {
        let start = position
        if spaced { skipWhitespace() }
        guard peek == byte else {
            position = start
            return false
        }
        position += 1
        if spaced { skipWhitespace() }
        return true
    }

    mutating func expect(_ byte: UInt8, spaced: Bool = true, what: String) throws(SIPParseError) {
        guard consume(byte, spaced: spaced) else { throw error("expected \(what)") }
    }

    mutating func readToken() -> String? {
        read(while: SIPCharacterClass.token)
    }

    mutating func read(while table: [Bool]) -> String? {
        let start = position
        while let byte = peek, table[Int(byte)] { position += 1 }
        return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
    }

    /// Reads up to (not including) the first byte in `stops` (a handful of bytes), or to the end.
    mutating func read(until stops: [UInt8]) -> String {
        String(decoding: bytes[skip(until: stops)], as: UTF8.self)
    }

    /// Moves past what `read(until:)` would read and returns its offsets in the value, for a caller that takes a
    /// substring of the value instead of a new string.
    mutating func skip(until stops: [UInt8]) -> Range<Int> {
        let start = position
        while let byte = peek, !stops.contains(byte) { position += 1 }
        return start..<position
    }

    /// Reads a quoted-string and returns its content with quoted-pairs resolved.
    mutating func readQuotedString() throws(SIPParseError) -> String {
        guard peek == UInt8(ascii: "\"") else { throw error("expected a quoted string") }
        position += 1
        var content: [UInt8] = []
        while let byte = peek {
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: content, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek, escaped != 0x0D, escaped != 0x0A else { throw error("bad escape in quoted string") }
                content.append(escaped)
                position += 1
            default:
                content.append(byte)
            }
        }
        throw error("unterminated quoted string")
    }

    /// Reads `*(SEMI generic-param)` up to the end of the value or a byte in `stops`.
    mutating func readParameters(stoppingAt stops: [UInt8] = []) throws(SIPParseError) -> GenericParameters {
        var parameters = GenericParameters()
        while true {
            skipWhitespace()
            guard let byte = peek, !stops.contains(byte) else { return parameters }
            guard consume(UInt8(ascii: ";")) else { throw error("unexpected '\(remaining.prefix(16))'") }
            guard let name = readToken() else { throw error("empty parameter") }
            if consume(UInt8(ascii: "=")) {
                if peek == UInt8(ascii: "\"") {
                    let value = try readQuotedString()
                    parameters.append(name, value: value, quoted: true)
                } else if let value = read(while: SIPCharacterClass.parameterValue) {
                    parameters.append(name, value: value)
                } else {
                    throw error("parameter \(name) has no value")
                }
            } else {
                parameters.append(name, value: nil)
            }
        }
    }

    func error(_ message: String) -> SIPParseError {
        SIPParseError(.malformedHeader, "\(header): \(message)")
    }

    /// Splits a list header at commas outside quoted strings and angle brackets; elements are trimmed.
    static func splitList(_ value: Substring) -> [String] {
        // One value per line is the usual case: nothing to split, and the parser has trimmed it already.
        guard value.containsByte(UInt8(ascii: ",")) else { return [String(trimmed(value))] }
        var elements: [String] = []
        var current: [UInt8] = []
        var inQuotes = false
        var inAngle = false
        var escaped = false
        for byte in value.utf8 {
            if escaped {
                escaped = false
            } else if inQuotes && byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") && !inAngle {
                inQuotes.toggle()
            } else if !inQuotes && byte == UInt8(ascii: "<") {
                inAngle = true
            } else if !inQuotes && byte == UInt8(ascii: ">") {
                inAngle = false
            } else if !inQuotes && !inAngle && byte == UInt8(ascii: ",") {
                elements.append(trimmed(current))
                current.removeAll(keepingCapacity: true)
                continue
            }
            current.append(byte)
        }
        elements.append(trimmed(current))
        return elements
    }

    /// The text without surrounding whitespace; the same string, not a copy, when there is none.
    static func trimmed(_ text: String) -> String {
        let trimmed = trimmed(text[...])
        return trimmed.utf8.count == text.utf8.count ? text : String(trimmed)
    }

    /// The text without surrounding whitespace, in place.
    static func trimmed(_ text: Substring) -> Substring {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last, isSpace(first) || isSpace(last) else { return text }
        let start = utf8.firstIndex { !isSpace($0) } ?? utf8.endIndex
        let end = utf8.lastIndex { !isSpace($0) }.map { utf8.index(after: $0) } ?? start
        return text[start..<max(start, end)]
    }

    static func trimmed(_ bytes: some BidirectionalCollection<UInt8>) -> String {
        let start = bytes.firstIndex { !isSpace($0) } ?? bytes.endIndex
        let end = bytes.lastIndex { !isSpace($0) }.map { bytes.index(after: $0) } ?? start
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        SIPCharacterClass.isWhitespace(byte) || byte == 0x0D || byte == 0x0A
    }

    /// Writes a string as a quoted-string, escaping quotes and backslashes.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        result.append("\"")
        return result
    }
}

extension SIPCharacterClass {
    /// gen-value without quotes: token, host (including IPv6 references).
    static let parameterValue: [Bool] = (0...255).map { byte in
        token[byte] || "[]:".utf8.contains(UInt8(byte))
    }
}
