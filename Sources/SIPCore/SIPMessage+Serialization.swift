extension SIPRequest {
    /// Wire form; Content-Length always states the body size, in its original position.
    public func serialized() -> [UInt8] {
        SIPSerializer.bytes(startLine: "\(method.rawValue) \(uri) SIP/2.0", headers: headers, body: body)
    }
}

extension SIPResponse {
    public func serialized() -> [UInt8] {
        SIPSerializer.bytes(startLine: "SIP/2.0 \(statusCode) \(reasonPhrase)", headers: headers, body: body)
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
    static func bytes(startLine: String, headers: SIPHeaders, body: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512 + body.count)
        appendLine(startLine, to: &output, keeping: { $0 == 0x09 })
        output.append(contentsOf: [0x0D, 0x0A])
        var wroteLength = false
        for field in headers {
            let isLength = field.name == .contentLength
            if isLength && wroteLength { continue }
            output.append(contentsOf: field.name.canonical.utf8)
            output.append(contentsOf: [UInt8(ascii: ":"), 0x20])
            if isLength {
                output.append(contentsOf: String(body.count).utf8)
            } else {
                appendLine(field.value, to: &output, keeping: { $0 != 0x0D && $0 != 0x0A })
            }
            output.append(contentsOf: [0x0D, 0x0A])
            wroteLength = wroteLength || isLength
        }
        if !wroteLength { output.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8) }
        output.append(contentsOf: [0x0D, 0x0A])
        output.append(contentsOf: body)
        return output
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
