/// The checks a message must pass before any element acts on it: mandatory headers present and well-formed,
/// scalar values in range, CSeq method matching the request (RFC 3261 section 8.1.1 and RFC 4475 section 3.1.2).
enum SIPMessageValidator {
    static func validate(_ message: SIPMessage) throws(SIPParseError) {
        let headers = message.headers
        for name in [SIPHeaderName.via, .from, .to, .callID, .cseq] where !headers.contains(name) {
            throw SIPParseError(.missingHeader, name.canonical)
        }
        for value in headers.values(.via) { _ = try Via(parsing: value) }
        for name in [SIPHeaderName.from, .to] {
            let lines = headers.lines(name)
            guard lines.count == 1 else { throw SIPParseError(.malformedHeader, "\(name): must appear once") }
            _ = try NameAddress(parsing: lines[0], header: name.canonical)
        }
        guard let callID = headers[.callID], !callID.isEmpty, !callID.contains(" ") else {
            throw SIPParseError(.malformedHeader, "Call-ID: must be one word")
        }
        let cseqLines = headers.lines(.cseq)
        guard cseqLines.count == 1 else { throw SIPParseError(.malformedHeader, "CSeq: must appear once") }
        let cseq = try CSeq(parsing: cseqLines[0])
        for value in headers.values(.contact) { _ = try ContactValue(parsing: value) }
        for value in headers.values(.route) + headers.values(.recordRoute) { _ = try NameAddress(parsing: value, header: "Route") }
        if let date = headers[.date] { try SIPDate.validate(date) }
        if let expires = headers[.expires] { _ = try deltaSeconds(expires, header: "Expires") }
        if case .request(let request) = message {
            _ = try request.maxForwards()
            guard cseq.method == request.method else {
                throw SIPParseError(.methodMismatch, "CSeq method \(cseq.method) differs from \(request.method)")
            }
        }
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
