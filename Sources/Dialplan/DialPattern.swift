/// A dial pattern in the seed's syntax: digits, `*`, `#` and `+` stand for themselves; `X` is 0-9, `Z` 1-9, `N` 2-9;
/// `[...]` is one character from a set with ranges (`[1-5,8]`, `[135-7]`); a trailing `.` matches one or more
/// characters and a trailing `!` zero or more. Compiled once, matched without allocating.
public struct DialPattern: Sendable, Hashable, CustomStringConvertible {
    enum Token: Sendable, Hashable {
        case literal(UInt8)
        /// Bit n set: the digit n matches.
        case digits(UInt16)
        case oneOrMore
        case zeroOrMore
    }

    public let description: String
    let tokens: [Token]

    public init(parsing text: String) throws(DialPatternError) {
        guard (1...64).contains(text.utf8.count) else { throw DialPatternError(text, "must be 1-64 characters") }
        var tokens: [Token] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if case .oneOrMore = tokens.last { throw DialPatternError(text, "'.' may only end the pattern") }
            if case .zeroOrMore = tokens.last { throw DialPatternError(text, "'!' may only end the pattern") }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "#"), UInt8(ascii: "+"):
                tokens.append(.literal(byte))
            case UInt8(ascii: "X"), UInt8(ascii: "x"): tokens.append(.digits(DialPattern.range(0, 9)))
            case UInt8(ascii: "Z"), UInt8(ascii: "z"): tokens.append(.digits(DialPattern.range(1, 9)))
            case UInt8(ascii: "N"), UInt8(ascii: "n"): tokens.append(.digits(DialPattern.range(2, 9)))
            case UInt8(ascii: "."): tokens.append(.oneOrMore)
            case UInt8(ascii: "!"): tokens.append(.zeroOrMore)
            case UInt8(ascii: "["):
                guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { throw DialPatternError(text, "'[' is not closed") }
                tokens.append(.digits(try DialPattern.set(bytes[bytes.startIndex..<close], in: text)))
                bytes = bytes[(close + 1)...]
            default:
                throw DialPatternError(text, "'\(Character(Unicode.Scalar(byte)))' is not allowed (digits, * # +, X Z N, [ranges], . !)")
            }
        }
        description = text
        self.tokens = tokens
    }

    /// Whether `number` matches the whole pattern.
    public func matches(_ number: String) -> Bool {
        var utf8 = number.utf8.makeIterator()
        for token in tokens {
            switch token {
            case .oneOrMore: return utf8.next() != nil
            case .zeroOrMore: return true
            case .literal(let expected):
                guard utf8.next() == expected else { return false }
            case .digits(let set):
                guard let byte = utf8.next(), (48...57).contains(byte), set & (1 << UInt16(byte - 48)) != 0 else { return false }
            }
        }
        return utf8.next() == nil
    }

    private static func range(_ low: UInt8, _ high: UInt8) -> UInt16 {
        (low...high).reduce(0) { $0 | 1 << UInt16($1) }
    }

    private static func set(_ body: ArraySlice<UInt8>, in text: String) throws(DialPatternError) -> UInt16 {
        var set: UInt16 = 0
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            if byte == UInt8(ascii: ",") { index += 1; continue }
            guard (48...57).contains(byte) else { throw DialPatternError(text, "a [set] holds digits, ranges like 1-5 and commas") }
            if index + 2 < body.endIndex, body[index + 1] == UInt8(ascii: "-") {
                let high = body[index + 2]
                guard (48...57).contains(high), high >= byte else { throw DialPatternError(text, "bad range in [set]") }
                set |= range(byte - 48, high - 48)
                index += 3
            } else {
                set |= 1 << UInt16(byte - 48)
                index += 1
            }
        }
        guard set != 0 else { throw DialPatternError(text, "empty [set]") }
        return set
    }
}

/// Why a dial pattern was refused.
public struct DialPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ pattern: String, _ problem: String) { description = "pattern '\(pattern.prefix(64))': \(problem)" }
}
