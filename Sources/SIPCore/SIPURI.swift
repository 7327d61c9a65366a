/// A sip: or sips: URI (RFC 3261 section 19.1): user, password, host, port, parameters and headers.
public struct SIPURI: Sendable, Hashable, CustomStringConvertible {
    public var isSecure: Bool
    /// As written, escapes kept (RFC 4475 esc01 keeps `%75se%72` distinct from its decoded form only in text).
    public var user: String?
    public var password: String?
    /// Lower-cased host name, IPv4 address or bracketed IPv6 reference.
    public var host: String
    public var port: Int?
    public var parameters: GenericParameters
    /// `hname=hvalue` pairs after `?`, as written.
    public var headers: [String]

    public init(isSecure: Bool = false, user: String? = nil, password: String? = nil, host: String, port: Int? = nil,
                parameters: GenericParameters = GenericParameters(), headers: [String] = []) {
        self.isSecure = isSecure
        self.user = user
        self.password = password
        self.host = host.lowercased()
        self.port = port
        self.parameters = parameters
        self.headers = headers
    }

    /// The transport parameter, lower-cased, if any.
    public var transport: String? { parameters["transport"].flatMap { $0?.lowercased() } }

    public var description: String {
        var text = isSecure ? "sips:" : "sip:"
        if let user {
            text += user
            if let password { text += ":" + password }
            text += "@"
        }
        text += host
        if let port { text += ":" + String(port) }
        text += parameters.serialized
        if !headers.isEmpty { text += "?" + headers.joined(separator: "&") }
        return text
    }

    /// Parses what follows `sip:`.
    public init(parsing text: String, secure: Bool) throws(SIPParseError) {
        isSecure = secure
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            let userInfo = rest[rest.startIndex..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = String(userInfo[userInfo.startIndex..<colon])
                password = String(userInfo[userInfo.index(after: colon)...])
            } else {
                user = String(userInfo)
                password = nil
            }
            guard let user, !user.isEmpty, SIPCharacterClass.matches(user, SIPCharacterClass.user),
                  SIPCharacterClass.matches(password ?? "", SIPCharacterClass.password)
            else { throw SIPParseError(.malformedRequestURI, "bad user part in 'sip:\(text.prefix(64))'") }
        } else {
            user = nil
            password = nil
        }
        var headerText: Substring?
        if let question = rest.firstIndex(of: "?") {
            headerText = rest[rest.index(after: question)...]
            rest = rest[rest.startIndex..<question]
        }
        var parameterText: Substring = ""
        if let semicolon = rest.firstIndex(of: ";") {
            parameterText = rest[semicolon...]
            rest = rest[rest.startIndex..<semicolon]
        }
        (host, port) = try SIPURI.parseHostPort(rest, context: text)
        parameters = GenericParameters()
        for item in parameterText.split(separator: ";", omittingEmptySubsequences: false).dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = pair.first, !name.isEmpty, SIPCharacterClass.matches(name, SIPCharacterClass.uriParameter),
                  pair.count == 1 || (!pair[1].isEmpty && SIPCharacterClass.matches(pair[1], SIPCharacterClass.uriParameter))
            else { throw SIPParseError(.malformedRequestURI, "bad URI parameter '\(item.prefix(32))'") }
            parameters.append(String(name), value: pair.count == 2 ? String(pair[1]) : nil)
        }
        headers = []
        if let headerText {
            for item in headerText.split(separator: "&", omittingEmptySubsequences: false) {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2, !pair[0].isEmpty, SIPCharacterClass.matches(pair[0], SIPCharacterClass.uriHeader),
                      SIPCharacterClass.matches(pair[1], SIPCharacterClass.uriHeader)
                else { throw SIPParseError(.malformedRequestURI, "bad URI header '\(item.prefix(32))'") }
                headers.append(String(item))
            }
        }
    }

    /// `host[:port]`, with IPv6 references in brackets; the port must be 0-65535.
    static func parseHostPort(_ text: Substring, context: String) throws(SIPParseError) -> (String, Int?) {
        var hostText = text
        var port: Int?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw SIPParseError(.malformedRequestURI, "unterminated IPv6 reference in '\(context.prefix(64))'")
            }
            hostText = text[text.startIndex...close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw SIPParseError(.malformedRequestURI, "junk after host in '\(context.prefix(64))'") }
                port = try parsePort(after.dropFirst(), context: context)
            }
            guard hostText.dropFirst().dropLast().utf8.allSatisfy({ SIPCharacterClass.isAlphanumeric($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }),
                  hostText.count > 2
            else { throw SIPParseError(.malformedRequestURI, "bad IPv6 reference in '\(context.prefix(64))'") }
        } else {
            if let colon = text.firstIndex(of: ":") {
                hostText = text[text.startIndex..<colon]
                port = try parsePort(text[text.index(after: colon)...], context: context)
            }
            guard !hostText.isEmpty, hostText.utf8.allSatisfy({ SIPCharacterClass.isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
            else { throw SIPParseError(.malformedRequestURI, "bad host in '\(context.prefix(64))'") }
        }
        return (hostText.lowercased(), port)
    }

    private static func parsePort(_ text: Substring, context: String) throws(SIPParseError) -> Int {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy(SIPCharacterClass.isDigit), let port = Int(text), port <= 65_535 else {
            throw SIPParseError(.malformedRequestURI, "bad port in '\(context.prefix(64))'")
        }
        return port
    }
}
