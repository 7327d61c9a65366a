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

        var startLine: UnsafeRawBufferPointer?
        var fields: [SIPHeaders.Field] = []
        fields.reserveCapacity(Self.expectedHeaderCount)
        // The header section as one string, when it is valid UTF-8; every field is a range of it.
        var section: HeaderSection?
        var pendingName: SIPHeaderName?
        // The pending value's place in `bytes`; copied into `folded` only when a continuation line joins it.
        var pendingLine = 0..<0
        var folded: [UInt8]?
        var headerEnd: Int?

        func flush() throws(SIPParseError) {
            guard let name = pendingName else { return }
            let value: Substring
            if let folded {
                value = HeaderValueScanner.trimmed(folded)[...]
            } else {
                let range = Self.trimmed(pendingLine, in: bytes)
                value = section?.text(of: range) ?? Self.text(bytes[range])[...]
            }
            fields.append(SIPHeaders.Field(name, text: value))
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
            let lineStart = position
            let line = UnsafeRawBufferPointer(rebasing: bytes[position..<lineEnd])
            position = next
            // A CR that does not end a line could split the message differently in another parser (request smuggling).
            guard !line.contains(0x0D) else { throw SIPParseError(.malformedHeader, "bare CR inside a line") }
            if startLine == nil {
                startLine = line
                section = HeaderSection(bytes, from: position)
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
                var value = folded ?? Array(bytes[pendingLine])
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
            let name = line[0..<nameEnd]
            guard !name.isEmpty, SIPCharacterClass.matches(name, SIPCharacterClass.token) else {
                throw SIPParseError(.malformedHeader, "bad header name '\(Self.text(name).prefix(32))'")
            }
            pendingName = SIPHeaderName.known(UnsafeRawBufferPointer(rebasing: name)) ?? SIPHeaderName(Self.text(name))
            pendingLine = (lineStart + colon + 1)..<lineEnd
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

    /// The start line is read from the received bytes, split at its spaces in place: only the method, the
    /// Request-URI and a reason phrase become strings.
    private static func message(startLine line: UnsafeRawBufferPointer, headers: SIPHeaders, body: [UInt8]) throws(SIPParseError) -> SIPMessage {
        if line.starts(with: "SIP/".utf8) {
            return .response(try response(statusLine: line, headers: headers, body: body))
        }
        guard let first = line.firstIndex(of: 0x20), let second = line[(first + 1)...].firstIndex(of: 0x20),
              !line[(second + 1)...].contains(0x20), first > 0, second > first + 1, second < line.count - 1 else {
            throw SIPParseError(.malformedStartLine, "request line must be 'METHOD SP Request-URI SP SIP/2.0'")
        }
        let method = line[..<first]
        guard SIPCharacterClass.matches(method, SIPCharacterClass.token) else {
            throw SIPParseError(.malformedStartLine, "bad method '\(text(method).prefix(32))'")
        }
        try checkVersion(line[(second + 1)...])
        let uri: URI
        do {
            uri = try URI(parsing: text(line[(first + 1)..<second]))
        } catch {
            throw SIPParseError(.malformedRequestURI, error.detail)
        }
        if case .sip(let sipURI) = uri, !sipURI.headers.isEmpty {
            throw SIPParseError(.malformedRequestURI, "headers are not allowed in a Request-URI")
        }
        return .request(SIPRequest(method: SIPMethod(text(method)), uri: uri, headers: headers, body: body))
    }

    private static func response(statusLine line: UnsafeRawBufferPointer, headers: SIPHeaders, body: [UInt8]) throws(SIPParseError) -> SIPResponse {
        guard let first = line.firstIndex(of: 0x20) else {
            throw SIPParseError(.malformedStartLine, "status line must be 'SIP/2.0 SP code SP reason'")
        }
        try checkVersion(line[..<first])
        let second = line[(first + 1)...].firstIndex(of: 0x20)
        let code = line[(first + 1)..<(second ?? line.count)]
        guard code.count == 3, code.allSatisfy(SIPCharacterClass.isDigit), case let value = code.reduce(0, { $0 * 10 + Int($1 - 0x30) }),
              (100...699).contains(value) else {
            throw SIPParseError(.malformedStartLine, "status code must be three digits 100-699")
        }
        return SIPResponse(statusCode: value, reasonPhrase: second.map { text(line[($0 + 1)...]) } ?? "", headers: headers, body: body)
    }

    /// `range` of `bytes` without the whitespace around it.
    private static func trimmed(_ range: Range<Int>, in bytes: UnsafeRawBufferPointer) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, HeaderValueScanner.isSpace(bytes[lower]) { lower += 1 }
        while upper > lower, HeaderValueScanner.isSpace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    private static func text(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes), as: UTF8.self)
    }

    private static func checkVersion(_ bytes: Slice<UnsafeRawBufferPointer>) throws(SIPParseError) {
        guard !bytes.elementsEqual("SIP/2.0".utf8) else { return }
        let version = text(bytes)
        guard version.utf8.count > 4, version.prefix(4).caseInsensitiveEquals("SIP/") else {
            throw SIPParseError(.malformedStartLine, "bad version '\(version.prefix(16))'")
        }
        let number = version.dropFirst(4)
        let pieces = number.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(SIPCharacterClass.isDigit) }) else {
            throw SIPParseError(.malformedStartLine, "bad version '\(version.prefix(16))'")
        }
        guard number == "2.0" else { throw SIPParseError(.unsupportedVersion, "SIP/\(number) is not supported") }
    }
}
