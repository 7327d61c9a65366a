extension SIPRequest {
    /// Wire form; Content-Length always states the body size, in its original position.
    public func serialized() -> [UInt8] {
        let target = uri.description
        return SIPSerializer.bytes(headers: headers, body: body, startLineLength: method.rawValue.utf8.count + target.utf8.count + 9) { output in
            SIPSerializer.appendLine(method.rawValue, to: &output, keeping: { $0 == 0x09 })
            output.append(0x20)
            SIPSerializer.appendLine(target, to: &output, keeping: { $0 == 0x09 })
            output.append(contentsOf: " SIP/2.0".utf8)
        }
    }
}

extension SIPResponse {
    public func serialized() -> [UInt8] {
        SIPSerializer.bytes(headers: headers, body: body, startLineLength: reasonPhrase.utf8.count + 12) { output in
            output.append(contentsOf: "SIP/2.0 ".utf8)
            SIPSerializer.appendDecimal(statusCode, to: &output)
            output.append(0x20)
            SIPSerializer.appendLine(reasonPhrase, to: &output, keeping: { $0 == 0x09 })
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
    /// The start line is written by `startLine` into the output (no string of its own); `startLineLength` sizes it.
    static func bytes(headers: SIPHeaders, body: [UInt8], startLineLength: Int, startLine: (inout [UInt8]) -> Void) -> [UInt8] {
        var output: [UInt8] = []
        // The exact size but for Content-Length's digits, so the array is allocated once.
        var size = startLineLength + 2 + Self.contentLengthLine + 2 + body.count
        let fields = headers.fields
        for index in fields.indices { size += fields[index].name.canonical.utf8.count + fields[index].value.utf8.count + 4 }
        output.reserveCapacity(size)
        startLine(&output)
        output.append(contentsOf: [0x0D, 0x0A])
        var wroteLength = false
        for index in fields.indices {
            let isLength = fields[index].name == .contentLength
            if isLength && wroteLength { continue }
            output.append(contentsOf: fields[index].name.canonical.utf8)
            output.append(contentsOf: [UInt8(ascii: ":"), 0x20])
            if isLength {
                appendDecimal(body.count, to: &output)
            } else {
                appendLine(fields[index].value, to: &output, keeping: { $0 != 0x0D && $0 != 0x0A })
            }
            output.append(contentsOf: [0x0D, 0x0A])
            wroteLength = wroteLength || isLength
        }
        if !wroteLength {
            output.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(body.count, to: &output)
            output.append(contentsOf: [0x0D, 0x0A])
        }
        output.append(contentsOf: [0x0D, 0x0A])
        output.append(contentsOf: body)
        return output
    }

    /// Room for `Content-Length: ` and its digits, when the headers have none.
    private static let contentLengthLine = 32

    /// A number in decimal, without a string in between (status codes and lengths; a negative one takes the slow way).
    static func appendDecimal(_ number: Int, to output: inout [UInt8]) {
        guard number >= 0 else { return output.append(contentsOf: String(number).utf8) }
        var divisor = 1
        while divisor <= number / 10 { divisor *= 10 }
        while divisor > 0 {
            output.append(0x30 + UInt8(number / divisor % 10))
            divisor /= 10
        }
    }

    /// `text` with each control character (C0 and DEL) that `keeping` refuses written as a space. Almost every value
    /// has none and is copied whole.
    static func appendLine(_ text: String, to output: inout [UInt8], keeping: (UInt8) -> Bool) {
        text.withUTF8Bytes { bytes in
            guard bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                output.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                output.append((byte < 0x20 || byte == 0x7F) && !keeping(byte) ? 0x20 : byte)
            }
        }
    }
}
