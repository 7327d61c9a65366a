/// The checks a message must pass before any element acts on it: mandatory headers present and well-formed,
/// scalar values in range, CSeq method matching the request (RFC 3261 section 8.1.1 and RFC 4475 section 3.1.2).
enum SIPMessageValidator {
    /// Returns the message with what the checks parsed kept in its headers (`SIPParsedHeaders`).
    static func validated(_ message: consuming SIPMessage) throws(SIPParseError) -> SIPMessage {
        switch consume message {
        case .request(var request):
            request.headers.parsed = try validate(request.headers, request: request)
            return .request(request)
        case .response(var response):
            response.headers.parsed = try validate(response.headers, request: nil)
            return .response(response)
        }
    }

    private static let mandatory: [SIPHeaderName] = [.via, .from, .to, .callID, .cseq]
    private static let routeSets: [SIPHeaderName] = [.route, .recordRoute]

    private static func validate(_ headers: SIPHeaders, request: SIPRequest?) throws(SIPParseError) -> SIPParsedHeaders {
        for name in mandatory where !headers.contains(name) {
            throw SIPParseError(.missingHeader, name.canonical)
        }
        var vias: [Via] = []
        try headers.forEachValue(.via) { value throws(SIPParseError) in vias.append(try Via(parsing: value)) }
        func address(_ name: SIPHeaderName) throws(SIPParseError) -> NameAddress {
            guard headers.lineCount(name) == 1, let line = headers.text(name) else {
                throw SIPParseError(.malformedHeader, "\(name): must appear once")
            }
            return try NameAddress(parsing: line, header: name.canonical)
        }
        let from = try address(.from), to = try address(.to)
        guard let callID = headers.text(.callID), !callID.isEmpty, !callID.containsByte(0x20) else {
            throw SIPParseError(.malformedHeader, "Call-ID: must be one word")
        }
        guard headers.lineCount(.cseq) == 1, let cseqLine = headers.text(.cseq) else {
            throw SIPParseError(.malformedHeader, "CSeq: must appear once")
        }
        let cseq = try CSeq(parsing: cseqLine)
        var contacts: [ContactValue] = []
        try headers.forEachValue(.contact) { value throws(SIPParseError) in contacts.append(try ContactValue(parsing: value)) }
        for name in routeSets {
            try headers.forEachValue(name) { value throws(SIPParseError) in _ = try NameAddress(parsing: value, header: "Route") }
        }
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
        for index in headers.fields.indices where headers.fields[index].name == .contentLength {
            let value = HeaderValueScanner.trimmed(headers.fields[index].text)
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
