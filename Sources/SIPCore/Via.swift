/// One Via value (RFC 3261 section 20.42, RFC 3581 rport): where responses go back to.
public struct Via: Sendable, Hashable, CustomStringConvertible {
    /// Upper-cased transport, e.g. UDP, TCP, TLS.
    public var transport: String
    public var host: String
    public var port: Int?
    public var parameters: GenericParameters

    public init(transport: String, host: String, port: Int? = nil, parameters: GenericParameters = GenericParameters()) {
        self.transport = transport.uppercased()
        self.host = host
        self.port = port
        self.parameters = parameters
    }

    public var branch: String? { parameters["branch"] ?? nil }
    public var received: String? { parameters["received"] ?? nil }
    /// `.some(nil)` when the client asked for rport without a value.
    public var rport: Int?? {
        guard let value = parameters["rport"] else { return nil }
        return .some(value.flatMap { Int($0) })
    }

    /// The branch begins with the RFC 3261 magic cookie, so it identifies the transaction alone.
    public var hasRFC3261Branch: Bool { branch?.hasPrefix("z9hG4bK") ?? false }

    /// Written into one string sized up front: the top Via of every received request is written again (`received`).
    public var description: String {
        var text = ""
        text.reserveCapacity(16 + transport.utf8.count + host.utf8.count + parameters.serializedLength)
        text += "SIP/2.0/"
        text += transport
        text += " "
        SIPURI.appendAddress(host: host, port: port, parameters: parameters, to: &text)
        return text
    }

    public init(parsing value: some StringProtocol) throws(SIPParseError) {
        self = try HeaderValueScanner.scan(value, header: "Via") { scanner throws(SIPParseError) in try Via(scanning: &scanner) }
    }

    private init(scanning scanner: inout HeaderValueScanner) throws(SIPParseError) {
        scanner.skipWhitespace()
        guard let name = scanner.readToken(), name.caseInsensitiveEquals("SIP") else { throw scanner.error("protocol must be SIP") }
        try scanner.expect(UInt8(ascii: "/"), what: "'/'")
        guard let version = scanner.readToken() else { throw scanner.error("missing version") }
        guard version == "2.0" else { throw SIPParseError(.unsupportedVersion, "Via: SIP/\(version)") }
        try scanner.expect(UInt8(ascii: "/"), what: "'/'")
        guard let transport = scanner.readToken() else { throw scanner.error("missing transport") }
        self.transport = transport.uppercased()
        scanner.skipWhitespace()
        let sentBy = scanner.read(until: [UInt8(ascii: ";"), 0x20, 0x09, 0x0D, 0x0A])
        do {
            (host, port) = try sentBy.withUTF8Bytes { bytes throws(SIPParseError) in try SIPURI.parseHostPort(bytes, context: sentBy) }
        } catch {
            throw scanner.error("bad sent-by '\(sentBy.prefix(64))'")
        }
        parameters = try scanner.readParameters()
        if let rport = parameters["rport"], let value = rport, Int(value).map({ !(0...65_535).contains($0) }) ?? true {
            throw scanner.error("bad rport")
        }
    }
}
