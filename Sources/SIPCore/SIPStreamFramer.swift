/// Finds message boundaries on a stream transport (RFC 3261 section 18.3): CRLF keep-alives are skipped,
/// Content-Length is mandatory, and nothing beyond `SIPLimits.maxMessageSize` is ever buffered.
public struct SIPStreamFramer: Sendable {
    public enum Frame: Equatable, Sendable {
        /// Keep-alive bytes (CRLF) to discard.
        case keepAlive(length: Int)
        /// A whole message of this many bytes is at the front of the buffer.
        case message(length: Int)
        /// More bytes are needed.
        case needMoreData
    }

    public var limits: SIPLimits

    public init(limits: SIPLimits = SIPLimits()) {
        self.limits = limits
    }

    public func nextFrame(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> Frame {
        var leading = 0
        while leading < bytes.count, bytes[leading] == 0x0D || bytes[leading] == 0x0A { leading += 1 }
        if leading > 0 { return .keepAlive(length: leading) }
        guard let headerEnd = headerEnd(bytes) else {
            if bytes.count >= limits.maxMessageSize {
                throw SIPParseError(.messageTooLarge, "no end of headers within \(limits.maxMessageSize) bytes")
            }
            if let lineStart = lastLineStart(bytes), bytes.count - lineStart > limits.maxLineLength {
                throw SIPParseError(.lineTooLong, "line longer than \(limits.maxLineLength) bytes")
            }
            return .needMoreData
        }
        guard let bodyLength = try contentLength(UnsafeRawBufferPointer(rebasing: bytes[0..<headerEnd])) else {
            throw SIPParseError(.missingHeader, "Content-Length is required on stream transports")
        }
        let total = headerEnd + bodyLength
        guard total <= limits.maxMessageSize else {
            throw SIPParseError(.messageTooLarge, "\(total) bytes, limit \(limits.maxMessageSize)")
        }
        return bytes.count >= total ? .message(length: total) : .needMoreData
    }

    /// Offset just past the CRLFCRLF ending the headers, searched only within the size limit.
    private func headerEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let limit = min(bytes.count, limits.maxMessageSize)
        guard limit >= 4 else { return nil }
        var index = 0
        while index + 3 < limit {
            if bytes[index + 3] != 0x0A { index += bytes[index + 3] == 0x0D ? 1 : 4; continue }
            if bytes[index] == 0x0D, bytes[index + 1] == 0x0A, bytes[index + 2] == 0x0D { return index + 4 }
            index += 1
        }
        return nil
    }

    private func lastLineStart(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let newline = bytes.lastIndex(of: 0x0A) else { return 0 }
        return newline + 1
    }

    /// Reads Content-Length (or its compact form `l`) from the header block.
    private func contentLength(_ header: UnsafeRawBufferPointer) throws(SIPParseError) -> Int? {
        var lineStart = 0
        var found: Int?
        while lineStart < header.count {
            var lineEnd = lineStart
            while lineEnd < header.count, header[lineEnd] != 0x0A { lineEnd += 1 }
            let line = UnsafeRawBufferPointer(rebasing: header[lineStart..<lineEnd])
            lineStart = lineEnd + 1
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = HeaderValueScanner.trimmed(line[0..<colon])
            guard name.caseInsensitiveEquals("content-length") || name.caseInsensitiveEquals("l") else { continue }
            let value = HeaderValueScanner.trimmed(line[(colon + 1)...])
            guard !value.isEmpty, value.count <= 9, value.utf8.allSatisfy(SIPCharacterClass.isDigit), let length = Int(value) else {
                throw SIPParseError(.invalidContentLength, "Content-Length '\(value.prefix(16))' is not a number")
            }
            if let found, found != length { throw SIPParseError(.invalidContentLength, "several different Content-Length values") }
            found = length
        }
        return found
    }
}
