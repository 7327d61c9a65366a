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

    /// Parses what follows `sip:`, scanning UTF-8 bytes (this runs several times per request).
    public init(parsing text: some StringProtocol, secure: Bool) throws(SIPParseError) {
        isSecure = secure
        let bytes = Array(text.utf8)
        var hostStart = 0
        user = nil
        password = nil
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
            let userInfo = bytes[..<at]
            let colon = userInfo.firstIndex(of: UInt8(ascii: ":"))
            let userBytes = userInfo[..<(colon ?? at)]
            let passwordBytes = colon.map { userInfo[($0 + 1)...] } ?? []
            guard !userBytes.isEmpty, SIPCharacterClass.matches(userBytes, SIPCharacterClass.user),
                  SIPCharacterClass.matches(passwordBytes, SIPCharacterClass.password)
            else { throw SIPParseError(.malformedRequestURI, "bad user part in 'sip:\(text.prefix(64))'") }
            user = String(decoding: userBytes, as: UTF8.self)
            password = colon.map { _ in String(decoding: passwordBytes, as: UTF8.self) }
            hostStart = at + 1
        }
        var end = bytes.count
        var headerBytes: ArraySlice<UInt8>?
        if let question = bytes[hostStart...].firstIndex(of: UInt8(ascii: "?")) {
            headerBytes = bytes[(question + 1)...]
            end = question
        }
        var hostEnd = end
        var parameterBytes: ArraySlice<UInt8> = []
        if let semicolon = bytes[hostStart..<end].firstIndex(of: UInt8(ascii: ";")) {
            hostEnd = semicolon
            parameterBytes = bytes[(semicolon + 1)..<end]
        }
        (host, port) = try SIPURI.parseHostPort(bytes[hostStart..<hostEnd], context: text)
        parameters = GenericParameters()
        if hostEnd < end {
            for item in parameterBytes.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false) {
                let equals = item.firstIndex(of: UInt8(ascii: "="))
                let name = item[..<(equals ?? item.endIndex)]
                let value = equals.map { item[($0 + 1)...] }
                guard !name.isEmpty, SIPCharacterClass.matches(name, SIPCharacterClass.uriParameter),
                      value.map({ !$0.isEmpty && SIPCharacterClass.matches($0, SIPCharacterClass.uriParameter) }) ?? true
                else { throw SIPParseError(.malformedRequestURI, "bad URI parameter in 'sip:\(text.prefix(64))'") }
                parameters.append(String(decoding: name, as: UTF8.self), value: value.map { String(decoding: $0, as: UTF8.self) })
            }
        }
        headers = []
        if let headerBytes {
            for item in headerBytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
                guard let equals = item.firstIndex(of: UInt8(ascii: "=")), equals > item.startIndex,
                      SIPCharacterClass.matches(item[..<equals], SIPCharacterClass.uriHeader),
                      SIPCharacterClass.matches(item[(equals + 1)...], SIPCharacterClass.uriHeader)
                else { throw SIPParseError(.malformedRequestURI, "bad URI header in 'sip:\(text.prefix(64))'") }
                headers.append(String(decoding: item, as: UTF8.self))
            }
        }
    }

    /// `host[:port]`, with IPv6 references in brackets; the port must be 1-65535 (nothing can be reached at port 0, and a
    /// reply sent there fails at the socket). The host is lower-cased.
    static func parseHostPort(_ bytes: ArraySlice<UInt8>, context: some StringProtocol) throws(SIPParseError) -> (String, Int?) {
        var hostBytes = bytes
        var portBytes: ArraySlice<UInt8>?
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > bytes.startIndex + 1 else {
                throw SIPParseError(.malformedRequestURI, "bad IPv6 reference in '\(context.prefix(64))'")
            }
            hostBytes = bytes[...close]
            let after = bytes[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { throw SIPParseError(.malformedRequestURI, "junk after host in '\(context.prefix(64))'") }
                portBytes = after.dropFirst()
            }
            guard hostBytes.dropFirst().dropLast().allSatisfy({ SIPCharacterClass.isAlphanumeric($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { throw SIPParseError(.malformedRequestURI, "bad IPv6 reference in '\(context.prefix(64))'") }
        } else {
            if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
                hostBytes = bytes[..<colon]
                portBytes = bytes[(colon + 1)...]
            }
            guard !hostBytes.isEmpty, hostBytes.allSatisfy({ SIPCharacterClass.isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
            else { throw SIPParseError(.malformedRequestURI, "bad host in '\(context.prefix(64))'") }
        }
        var port: Int?
        if let portBytes {
            guard (1...5).contains(portBytes.count), portBytes.allSatisfy(SIPCharacterClass.isDigit) else {
                throw SIPParseError(.malformedRequestURI, "bad port in '\(context.prefix(64))'")
            }
            let value = portBytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard (1...65_535).contains(value) else { throw SIPParseError(.malformedRequestURI, "bad port in '\(context.prefix(64))'") }
            port = value
        }
        let lowered = hostBytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return (String(decoding: lowered, as: UTF8.self), port)
    }
}
