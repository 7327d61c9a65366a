/// The checks a message must pass before any element acts on it: mandatory headers present and well-formed,
/// scalar values in range, CSeq method matching the request (RFC 3261 section 8.1.1 and RFC 4475 section 3.1.2).
enum SIPMessageValidator {
    /// Returns the message with what the checks parsed kept in its headers (`SIPParsedHeaders`).
    static func validated(_ message: SIPMessage) throws(SIPParseError) -> SIPMessage {
        switch message {
        case .request(var request):
            request.headers.parsed = try validate(request.headers, request: request)
            return .request(request)
        case .response(var response):
            response.headers.parsed = try validate(response.headers, request: nil)
            return .response(response)
        }
    }

    private static func validate(_ headers: SIPHeaders, request: SIPRequest?) throws(SIPParseError) -> SIPParsedHeaders {
        for name in [SIPHeaderName.via, .from, .to, .callID, .cseq] where !headers.contains(name) {
            throw SIPParseError(.missingHeader, name.canonical)
        }
        var vias: [Via] = []
        for value in headers.values(.via) { vias.append(try Via(parsing: value)) }
        func address(_ name: SIPHeaderName) throws(SIPParseError) -> NameAddress {
            let lines = headers.lines(name)
            guard lines.count == 1 else { throw SIPParseError(.malformedHeader, "\(name): must appear once") }
            return try NameAddress(parsing: lines[0], header: name.canonical)
        }
        let from = try address(.from), to = try address(.to)
        guard let callID = headers[.callID], !callID.isEmpty, !callID.contains(" ") else {
            throw SIPParseError(.malformedHeader, "Call-ID: must be one word")
        }
        let cseqLines = headers.lines(.cseq)
        guard cseqLines.count == 1 else { throw SIPParseError(.malformedHeader, "CSeq: must appear once") }
        let cseq = try CSeq(parsing: cseqLines[0])
        var contacts: [ContactValue] = []
        for value in headers.values(.contact) { contacts.append(try ContactValue(parsing: value)) }
        for value in headers.values(.route) + headers.values(.recordRoute) { _ = try NameAddress(parsing: value, header: "Route") }
        if let date = headers[.date] { try SIPDate.validate(date) }
        if let expires = headers[.expires] { _ = try deltaSeconds(expires, header: "Expires") }
        if let request {
            _ = try request.maxForwards()
            guard cseq.method == request.method else {
                throw SIPParseError(.methodMismatch, "CSeq method \(cseq.method) differs from \(request.method)")
            }
        }
        return SIPParsedHeaders(vias: vias, from: from, to: to, cseq: cseq, contacts: contacts)
    }

    /// The one Content-Length of a message, nil when absent; several differing values are an error.
    static func contentLength(_ headers: SIPHeaders) throws(SIPParseError) -> Int? {
        var result: Int?
        for line in headers.lines(.contentLength) {
            let value = line.trimmingSpaces()
            guard !value.isEmpty, value.utf8.allSatisfy(SIPCharacterClass.isDigit) else {
                throw SIPParseError(.invalidContentLength, "Content-Length '\(value.prefix(16))' is not a number")
            }
            guard value.count <= 9, let length = Int(value) else {
                throw SIPParseError(.invalidContentLength, "Content-Length too large")
            }
            if let result, result != length { throw SIPParseError(.invalidContentLength, "several different Content-Length values") }
            result = length
        }
        return result
    }

    /// delta-seconds; values beyond 2^32-1 are clamped as RFC 3261 section 20.19 allows.
    static func deltaSeconds(_ raw: String, header: String) throws(SIPParseError) -> UInt32 {
        let value = raw.trimmingSpaces()
        guard !value.isEmpty, value.utf8.allSatisfy(SIPCharacterClass.isDigit) else {
            throw SIPParseError(.malformedHeader, "\(header): not a number of seconds")
        }
        guard value.count <= 10, let number = UInt64(value), number <= UInt64(UInt32.max) else { return UInt32.max }
        return UInt32(number)
    }
}
