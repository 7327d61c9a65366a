/// Typed views of the headers both requests and responses carry; each parses the stored text on demand.
public protocol SIPMessageHeaders {
    var headers: SIPHeaders { get }
    var body: [UInt8] { get }
}

/// Via, From, To, CSeq and Contact come from what validation parsed when the message was received (see
/// `SIPParsedHeaders`), and are parsed here only for a message built or changed since.
extension SIPMessageHeaders {
    public var callID: String? { headers[.callID] }

    public func vias() throws(SIPParseError) -> [Via] {
        if let parsed = headers.parsed { return parsed.vias }
        var result: [Via] = []
        for value in headers.values(.via) { result.append(try Via(parsing: value)) }
        return result
    }

    public func topVia() throws(SIPParseError) -> Via {
        if let top = headers.parsed?.vias.first { return top }
        guard let first = headers.values(.via).first else { throw SIPParseError(.missingHeader, "Via") }
        return try Via(parsing: first)
    }

    public func from() throws(SIPParseError) -> NameAddress {
        if let parsed = headers.parsed { return parsed.from }
        return try address(.from)
    }

    public func to() throws(SIPParseError) -> NameAddress {
        if let parsed = headers.parsed { return parsed.to }
        return try address(.to)
    }

    /// The To tag; nil when To has none or cannot be parsed. Read in place, without copying the parsed To.
    public var toTag: String? {
        if let parsed = headers.parsed { return parsed.to.tag }
        return (try? address(.to))?.tag
    }

    public func cseq() throws(SIPParseError) -> CSeq {
        if let parsed = headers.parsed { return parsed.cseq }
        guard let value = headers[.cseq] else { throw SIPParseError(.missingHeader, "CSeq") }
        return try CSeq(parsing: value)
    }

    public func contacts() throws(SIPParseError) -> [ContactValue] {
        if let parsed = headers.parsed { return parsed.contacts }
        var result: [ContactValue] = []
        for value in headers.values(.contact) { result.append(try ContactValue(parsing: value)) }
        return result
    }

    /// The Expires header as delta-seconds; larger than 2^32-1 reads as 2^32-1 (RFC 3261 section 20.19).
    public func expires() throws(SIPParseError) -> UInt32? {
        guard let value = headers[.expires]?.trimmingSpaces() else { return nil }
        return try SIPMessageValidator.deltaSeconds(value, header: "Expires")
    }

    public func maxForwards() throws(SIPParseError) -> Int? {
        guard let value = headers[.maxForwards]?.trimmingSpaces() else { return nil }
        guard !value.isEmpty, value.utf8.allSatisfy(SIPCharacterClass.isDigit) else {
            throw SIPParseError(.malformedHeader, "Max-Forwards: not a number")
        }
        guard value.count <= 10, let number = Int(value), number <= 255 else {
            throw SIPParseError(.valueOutOfRange, "Max-Forwards: must be 0-255")
        }
        return number
    }

    private func address(_ name: SIPHeaderName) throws(SIPParseError) -> NameAddress {
        guard let value = headers[name] else { throw SIPParseError(.missingHeader, name.canonical) }
        return try NameAddress(parsing: value, header: name.canonical)
    }
}

extension String {
    func trimmingSpaces() -> String { HeaderValueScanner.trimmed(self) }
}
