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

    /// Parses `scheme:rest`; fails on whitespace, control bytes or a malformed sip/tel URI.
    public init(parsing text: some StringProtocol) throws(SIPParseError) {
        guard let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")) else {
            throw SIPParseError(.malformedRequestURI, "no scheme in '\(text.prefix(64))'")
        }
        let scheme = text[text.startIndex..<colon]
        let rest = text[text.index(after: colon)...]
        guard let first = scheme.utf8.first, SIPCharacterClass.isAlphanumeric(first), !SIPCharacterClass.isDigit(first),
              scheme.utf8.allSatisfy({ SIPCharacterClass.isAlphanumeric($0) || "+-.".utf8.contains($0) })
        else { throw SIPParseError(.malformedRequestURI, "bad scheme '\(scheme.prefix(32))'") }
        guard !rest.isEmpty, rest.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: "\"") })
        else { throw SIPParseError(.malformedRequestURI, "illegal characters in '\(text.prefix(64))'") }
        if scheme.caseInsensitiveEquals("sip") || scheme.caseInsensitiveEquals("sips") {
            self = .sip(try SIPURI(parsing: rest, secure: scheme.caseInsensitiveEquals("sips")))
        } else if scheme.caseInsensitiveEquals("tel") {
            self = .tel(try TelURI(parsing: String(rest)))
        } else {
            self = .other(scheme: String(scheme), value: String(rest))
        }
    }
}
