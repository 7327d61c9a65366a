/// Any URI SIP carries: sip/sips and tel are understood, other schemes are kept as text (RFC 3261 section 25.1 absoluteURI).
public enum URI: Sendable, Hashable, CustomStringConvertible {
    case sip(SIPURI)
    case tel(TelURI)
    case other(scheme: String, value: String)

    public var scheme: String {
        switch self {
        case .sip(let uri): uri.isSecure ? "sips" : "sip"
        case .tel: "tel"
        case .other(let scheme, _): scheme
        }
    }

    public var sipURI: SIPURI? {
        if case .sip(let uri) = self { return uri }
        return nil
    }

    public var description: String {
        switch self {
        case .sip(let uri): uri.description
        case .tel(let uri): uri.description
        case .other(let scheme, let value): scheme + ":" + value
        }
    }

    /// Parses `scheme:rest`; fails on whitespace, control bytes or a malformed sip/tel URI. The checks run over the
    /// text's bytes in place (walking a string's UTF-8 view byte by byte cost several times as much; a request has
    /// four URIs or more).
    public init(parsing text: some StringProtocol) throws(SIPParseError) {
        self = try text.withUTF8Bytes { bytes throws(SIPParseError) in try URI.parse(bytes, text: text) }
    }

    private static func parse(_ bytes: UTF8Bytes, text: some StringProtocol) throws(SIPParseError) -> URI {
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
            throw SIPParseError(.malformedRequestURI, "no scheme in '\(text.prefix(64))'")
        }
        let scheme = bytes[..<colon], rest = bytes[(colon + 1)...]
        guard let first = scheme.first, SIPCharacterClass.isAlphanumeric(first), !SIPCharacterClass.isDigit(first),
              scheme.allSatisfy({ SIPCharacterClass.isAlphanumeric($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else { throw SIPParseError(.malformedRequestURI, "bad scheme '\(String(decoding: scheme.prefix(32), as: UTF8.self))'") }
        guard !rest.isEmpty, rest.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: "\"") })
        else { throw SIPParseError(.malformedRequestURI, "illegal characters in '\(text.prefix(64))'") }
        let restText = text[text.utf8.index(text.startIndex, offsetBy: colon + 1 - bytes.startIndex)...]
        if SIPCharacterClass.caseInsensitiveEquals(scheme, "sip".utf8) || SIPCharacterClass.caseInsensitiveEquals(scheme, "sips".utf8) {
            return .sip(try SIPURI(bytes: rest, text: restText, secure: scheme.count == 4))
        } else if SIPCharacterClass.caseInsensitiveEquals(scheme, "tel".utf8) {
            return .tel(try TelURI(parsing: String(restText)))
        }
        return .other(scheme: String(decoding: scheme, as: UTF8.self), value: String(restText))
    }
}
