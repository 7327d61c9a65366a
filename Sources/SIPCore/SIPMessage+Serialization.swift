extension SIPRequest {
    /// Wire form; Content-Length always states the body size, in its original position.
    public func serialized() -> [UInt8] {
        let target = uri.description
        let startLineLength = method.rawValue.utf8.count + target.utf8.count + 9
        return SIPSerializer.bytes(capacity: SIPSerializer.capacity(headers: headers, body: body, startLineLength: startLineLength)) { output in
            SIPSerializer.write(headers: headers, body: body, into: &output) { line in
                line.appendLine(method.rawValue, keeping: { $0 == 0x09 })
                line.append(0x20)
                line.appendLine(target, keeping: { $0 == 0x09 })
                line.append(" SIP/2.0")
            }
        }
    }
}

extension SIPResponse {
    public func serialized() -> [UInt8] {
        SIPSerializer.bytes(capacity: serializedCapacity) { serialize(into: &$0) }
    }

    /// The most bytes `serialize(into:)` writes.
    public var serializedCapacity: Int {
        SIPSerializer.capacity(headers: headers, body: body,
                               startLineLength: reasonPhrase.utf8.count + 9 + SIPByteWriter.decimalLength(statusCode))
    }

    /// Writes the wire form into `buffer`, which holds at least `serializedCapacity` bytes, and returns its length: a
    /// transport writes the response straight into the buffer it sends, with no array in between.
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var output = SIPByteWriter(buffer)
        serialize(into: &output)
        return output.count
    }

    private func serialize(into output: inout SIPByteWriter) {
        SIPSerializer.write(headers: headers, body: body, into: &output) { line in
            line.append("SIP/2.0 ")
            line.appendDecimal(statusCode)
            line.append(0x20)
            line.appendLine(reasonPhrase, keeping: { $0 == 0x09 })
        }
    }
}

extension SIPMessage {
    public func serialized() -> [UInt8] {
        switch self {
        case .request(let request): request.serialized()
        case .response(let response): response.serialized()
        }
    }
}

/// Writes messages. A CR or LF inside a header value is written as a space, and the start line (the reason phrase)
/// is written without any control character: text that reached a header from elsewhere (an SDP body, a reason) can
/// never end a header early and inject another. (Other controls stay in header values, where quoted-pairs allow them.)
enum SIPSerializer {
    /// The most bytes a message with these parts takes: exact but for Content-Length's digits, so its memory is
    /// allocated once. `startLineLength` is the start line's without its CRLF.
    static func capacity(headers: SIPHeaders, body: [UInt8], startLineLength: Int) -> Int {
        var size = startLineLength + 2 + contentLengthLine + 2 + body.count
        let fields = headers.fields
        for index in fields.indices { size += fields[index].name.canonical.utf8.count + fields[index].text.utf8.count + 4 }
        return size
    }

    /// An array of at most `capacity` bytes, filled in place by `write`.
    static func bytes(capacity: Int, _ write: (inout SIPByteWriter) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var output = SIPByteWriter(UnsafeMutableRawBufferPointer(buffer))
            write(&output)
            count = output.count
        }
    }

    /// The start line, written by `startLine`, then the headers and the body.
    static func write(headers: SIPHeaders, body: [UInt8], into output: inout SIPByteWriter,
                      startLine: (inout SIPByteWriter) -> Void) {
        startLine(&output)
        output.append("\r\n")
        var wroteLength = false
        let fields = headers.fields
        for index in fields.indices {
            let isLength = fields[index].name == .contentLength
            if isLength && wroteLength { continue }
            output.appendLine(fields[index].name.canonical, keeping: { _ in false })
            output.append(": ")
            if isLength {
                output.appendDecimal(body.count)
            } else {
                output.appendLine(fields[index].text, keeping: { $0 != 0x0D && $0 != 0x0A })
            }
            output.append("\r\n")
            wroteLength = wroteLength || isLength
        }
        if !wroteLength {
            output.append("Content-Length: ")
            output.appendDecimal(body.count)
            output.append("\r\n")
        }
        output.append("\r\n")
        body.withUnsafeBytes { output.append($0) }
    }

    /// Room for `Content-Length: ` and its digits, when the headers have none.
    private static let contentLengthLine = 32
}
