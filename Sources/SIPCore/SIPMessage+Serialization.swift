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

enum SIPSerializer {
    static func bytes(startLine: String, headers: SIPHeaders, body: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512 + body.count)
        output.append(contentsOf: startLine.utf8)
        output.append(contentsOf: [0x0D, 0x0A])
        var wroteLength = false
        for field in headers {
            let isLength = field.name == .contentLength
            if isLength && wroteLength { continue }
            output.append(contentsOf: field.name.canonical.utf8)
            output.append(contentsOf: [UInt8(ascii: ":"), 0x20])
            output.append(contentsOf: isLength ? String(body.count).utf8 : field.value.utf8)
            output.append(contentsOf: [0x0D, 0x0A])
            wroteLength = wroteLength || isLength
        }
        if !wroteLength { output.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8) }
        output.append(contentsOf: [0x0D, 0x0A])
        output.append(contentsOf: body)
        return output
    }
}
