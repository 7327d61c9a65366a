/// Turns bytes into a `SIPMessage` (RFC 3261 sections 7 and 25), within `SIPLimits`, validating the headers
/// every element relies on. One datagram or one framed stream message per call.
public struct SIPParser: Sendable {
    public var limits: SIPLimits

    /// Room for a typical request's headers, so that collecting them does not grow the array several times.
    private static let expectedHeaderCount = 16

    public init(limits: SIPLimits = SIPLimits()) {
        self.limits = limits
    }

    public func parse(_ bytes: [UInt8]) throws(SIPParseError) -> SIPMessage {
        do {
            return try bytes.withUnsafeBytes { buffer in try parse(buffer) }
        } catch let error as SIPParseError {
            throw error
        } catch {
            throw SIPParseError(.malformedStartLine, "\(error)")
        }
    }

    public func parse(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> SIPMessage {
        guard bytes.count <= limits.maxMessageSize else {
            throw SIPParseError(.messageTooLarge, "\(bytes.count) bytes, limit \(limits.maxMessageSize)")
        }
        var position = 0
        while position < bytes.count, bytes[position] == 0x0D || bytes[position] == 0x0A { position += 1 }
        guard position < bytes.count else { throw SIPParseError(.incomplete, "empty message") }

        var startLine: String?
        var fields: [SIPHeaders.Field] = []
        fields.reserveCapacity(Self.expectedHeaderCount)
        var pendingName: SIPHeaderName?
        // The pending value as received; copied into `folded` only when a continuation line joins it.
        var pendingLine = UnsafeRawBufferPointer(start: nil, count: 0)
        var folded: [UInt8]?
        var headerEnd: Int?

        func flush() throws(SIPParseError) {
            guard let name = pendingName else { return }
            fields.append(SIPHeaders.Field(name, folded.map { HeaderValueScanner.trimmed($0) } ?? HeaderValueScanner.trimmed(pendingLine)))
            pendingName = nil
            folded = nil
        }

        while position < bytes.count {
            var lineEnd = position
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            guard lineEnd < bytes.count else { break }
            let next = lineEnd + 1
            if lineEnd > position, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            guard lineEnd - position <= limits.maxLineLength else {
                throw SIPParseError(.lineTooLong, "line of \(lineEnd - position) bytes, limit \(limits.maxLineLength)")
            }
            let line = UnsafeRawBufferPointer(rebasing: bytes[position..<lineEnd])
            position = next
            // A CR that does not end a line could split the message differently in another parser (request smuggling).
            guard !line.contains(0x0D) else { throw SIPParseError(.malformedHeader, "bare CR inside a line") }
            if startLine == nil {
                startLine = String(decoding: line, as: UTF8.self)
                continue
            }
            if line.isEmpty {
                try flush()
                headerEnd = position
                break
            }
            if SIPCharacterClass.isWhitespace(line[0]) {
                guard pendingName != nil else { throw SIPParseError(.malformedHeader, "continuation line before any header") }
                // Folding (RFC 3261 section 7.3.1): the line break and surrounding whitespace become one space.
                var value = folded ?? Array(pendingLine)
                while let last = value.last, SIPCharacterClass.isWhitespace(last) { value.removeLast() }
                value.append(0x20)
                value.append(contentsOf: line.drop(while: SIPCharacterClass.isWhitespace))
                guard value.count <= limits.maxLineLength else {
                    throw SIPParseError(.lineTooLong, "header \(pendingName?.canonical ?? "") longer than \(limits.maxLineLength)")
                }
                folded = value
                continue
            }
            try flush()
            guard fields.count < limits.maxHeaderCount else {
                throw SIPParseError(.tooManyHeaders, "more than \(limits.maxHeaderCount) headers")
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw SIPParseError(.malformedHeader, "header line without ':'")
            }
            var nameEnd = colon
            while nameEnd > 0, SIPCharacterClass.isWhitespace(line[nameEnd - 1]) { nameEnd -= 1 }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<nameEnd]), as: UTF8.self)
            guard SIPCharacterClass.isToken(name) else { throw SIPParseError(.malformedHeader, "bad header name '\(name.prefix(32))'") }
            pendingName = SIPHeaderName(name)
            pendingLine = UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])
        }
        guard let startLine, let headerEnd else { throw SIPParseError(.incomplete, "headers not terminated by an empty line") }

        let headers = SIPHeaders(fields)
        let available = bytes.count - headerEnd
        var bodyLength = available
        if let declared = try SIPMessageValidator.contentLength(headers) {
            guard declared <= available else {
                throw SIPParseError(.contentLengthMismatch, "Content-Length \(declared) but \(available) bytes follow")
            }
            bodyLength = declared
        }
        let body = Array(UnsafeRawBufferPointer(rebasing: bytes[headerEnd..<(headerEnd + bodyLength)]))
        return try SIPMessageValidator.validated(SIPParser.message(startLine: startLine, headers: headers, body: body))
    }

    private static func message(startLine: String, headers: SIPHeaders, body: [UInt8]) throws(SIPParseError) -> SIPMessage {
        if startLine.hasPrefix("SIP/") {
            return .response(try response(statusLine: startLine, headers: headers, body: body))
        }
        let parts = startLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            throw SIPParseError(.malformedStartLine, "request line must be 'METHOD SP Request-URI SP SIP/2.0'")
        }
        guard SIPCharacterClass.isToken(parts[0]) else { throw SIPParseError(.malformedStartLine, "bad method '\(parts[0].prefix(32))'") }
        try checkVersion(parts[2])
        let uri: URI
        do {
            uri = try URI(parsing: parts[1])
        } catch {
            throw SIPParseError(.malformedRequestURI, error.detail)
        }
        if case .sip(let sipURI) = uri, !sipURI.headers.isEmpty {
            throw SIPParseError(.malformedRequestURI, "headers are not allowed in a Request-URI")
        }
        return .request(SIPRequest(method: SIPMethod(String(parts[0])), uri: uri, headers: headers, body: body))
    }

    private static func response(statusLine: String, headers: SIPHeaders, body: [UInt8]) throws(SIPParseError) -> SIPResponse {
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { throw SIPParseError(.malformedStartLine, "status line must be 'SIP/2.0 SP code SP reason'") }
        try checkVersion(parts[0])
        guard parts[1].count == 3, parts[1].utf8.allSatisfy(SIPCharacterClass.isDigit), let code = Int(parts[1]), (100...699).contains(code) else {
            throw SIPParseError(.malformedStartLine, "status code must be three digits 100-699")
        }
        return SIPResponse(statusCode: code, reasonPhrase: parts.count == 3 ? String(parts[2]) : "", headers: headers, body: body)
    }

    private static func checkVersion(_ text: Substring) throws(SIPParseError) {
        guard text != "SIP/2.0" else { return }
        guard text.count > 4, text.prefix(4).caseInsensitiveEquals("SIP/") else {
            throw SIPParseError(.malformedStartLine, "bad version '\(text.prefix(16))'")
        }
        let number = text.dropFirst(4)
        let pieces = number.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(SIPCharacterClass.isDigit) }) else {
            throw SIPParseError(.malformedStartLine, "bad version '\(text.prefix(16))'")
        }
        guard number == "2.0" else { throw SIPParseError(.unsupportedVersion, "SIP/\(number) is not supported") }
    }
}
