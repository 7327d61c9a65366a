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

    /// Written into one string sized up front (a binding's contact and a digest's check write it for every REGISTER).
    public var description: String {
        var text = ""
        text.reserveCapacity(12 + (user?.utf8.count ?? 0) + (password?.utf8.count ?? 0) + host.utf8.count + parameters.serializedLength
            + headers.reduce(0) { $0 + 1 + $1.utf8.count })
        text += isSecure ? "sips:" : "sip:"
        if let user {
            text += user
            if let password {
                text += ":"
                text += password
            }
            text += "@"
        }
        SIPURI.appendAddress(host: host, port: port, parameters: parameters, to: &text)
        for (index, header) in headers.enumerated() {
            text += index == 0 ? "?" : "&"
            text += header
        }
        return text
    }

    /// `host[:port];params`, as a URI and a Via's sent-by write it.
    static func appendAddress(host: String, port: Int?, parameters: GenericParameters, to text: inout String) {
        text += host
        if let port {
            text += ":"
            text += String(port)
        }
        parameters.serialize(into: &text)
    }

    /// Parses what follows `sip:`, scanning UTF-8 bytes in place (this runs several times per request).
    public init(parsing text: some StringProtocol, secure: Bool) throws(SIPParseError) {
        self = try text.withUTF8Bytes { bytes throws(SIPParseError) in try SIPURI(bytes: bytes, text: text, secure: secure) }
    }

    /// `bytes` are `text`'s, already in hand (`URI` checked them); `text` names the URI in errors.
    init(bytes: UTF8Bytes, text: some StringProtocol, secure: Bool) throws(SIPParseError) {
        isSecure = secure
        (user, password, host, port, parameters, headers) = try SIPURI.parts(bytes, text: text)
    }

    private static func parts(_ bytes: UTF8Bytes, text: some StringProtocol) throws(SIPParseError)
        -> (String?, String?, String, Int?, GenericParameters, [String]) {
        var hostStart = bytes.startIndex
        var user: String?
        var password: String?
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
            let userInfo = bytes[..<at]
            let colon = userInfo.firstIndex(of: UInt8(ascii: ":"))
            let userBytes = userInfo[..<(colon ?? at)]
            let passwordBytes = colon.map { userInfo[($0 + 1)...] } ?? userInfo[at...]
            guard !userBytes.isEmpty, SIPCharacterClass.matches(userBytes, SIPCharacterClass.user),
                  SIPCharacterClass.matches(passwordBytes, SIPCharacterClass.password)
            else { throw SIPParseError(.malformedRequestURI, "bad user part in 'sip:\(text.prefix(64))'") }
            user = String(decoding: userBytes, as: UTF8.self)
            password = colon.map { _ in String(decoding: passwordBytes, as: UTF8.self) }
            hostStart = at + 1
        }
        var end = bytes.endIndex
        var headerBytes: UTF8Bytes?
        if let question = bytes[hostStart...].firstIndex(of: UInt8(ascii: "?")) {
            headerBytes = bytes[(question + 1)...]
            end = question
        }
        var hostEnd = end
        if let semicolon = bytes[hostStart..<end].firstIndex(of: UInt8(ascii: ";")) { hostEnd = semicolon }
        let (host, port) = try parseHostPort(bytes[hostStart..<hostEnd], context: text)
        var parameters = GenericParameters()
        if hostEnd < end {
            try forEachItem(of: bytes[(hostEnd + 1)..<end], separatedBy: UInt8(ascii: ";")) { item throws(SIPParseError) in
                let equals = item.firstIndex(of: UInt8(ascii: "="))
                let name = item[..<(equals ?? item.endIndex)]
                let value = equals.map { item[($0 + 1)...] }
                guard !name.isEmpty, SIPCharacterClass.matches(name, SIPCharacterClass.uriParameter),
                      value.map({ !$0.isEmpty && SIPCharacterClass.matches($0, SIPCharacterClass.uriParameter) }) ?? true
                else { throw SIPParseError(.malformedRequestURI, "bad URI parameter in 'sip:\(text.prefix(64))'") }
                parameters.append(String(decoding: name, as: UTF8.self), value: value.map { String(decoding: $0, as: UTF8.self) })
            }
        }
        var headers: [String] = []
        if let headerBytes {
            try forEachItem(of: headerBytes, separatedBy: UInt8(ascii: "&")) { item throws(SIPParseError) in
                guard let equals = item.firstIndex(of: UInt8(ascii: "=")), equals > item.startIndex,
                      SIPCharacterClass.matches(item[..<equals], SIPCharacterClass.uriHeader),
                      SIPCharacterClass.matches(item[(equals + 1)...], SIPCharacterClass.uriHeader)
                else { throw SIPParseError(.malformedRequestURI, "bad URI header in 'sip:\(text.prefix(64))'") }
                headers.append(String(decoding: item, as: UTF8.self))
            }
        }
        return (user, password, host, port, parameters, headers)
    }

    /// Calls `body` with each piece between separators, empty pieces included (as `split` would, without its array).
    private static func forEachItem(of bytes: UTF8Bytes, separatedBy separator: UInt8,
                                    _ body: (UTF8Bytes) throws(SIPParseError) -> Void) throws(SIPParseError) {
        var start = bytes.startIndex
        while let next = bytes[start...].firstIndex(of: separator) {
            try body(bytes[start..<next])
            start = next + 1
        }
        try body(bytes[start...])
    }

    /// `host[:port]`, with IPv6 references in brackets; the port must be 1-65535 (nothing can be reached at port 0, and a
    /// reply sent there fails at the socket). The host is lower-cased.
    static func parseHostPort(_ bytes: UTF8Bytes, context: some StringProtocol) throws(SIPParseError) -> (String, Int?) {
        var hostBytes = bytes
        var portBytes: UTF8Bytes?
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
        let host = String(asciiLowercasing: hostBytes)
        return (host, port)
    }
}
