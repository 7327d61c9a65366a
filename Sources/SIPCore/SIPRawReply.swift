/// Error responses built from raw bytes, for requests that are not (or must not be) parsed: only the headers a
/// response needs are read. Nil when the bytes are not a request with Via, From, To, Call-ID and CSeq, or are an
/// ACK: those are dropped silently.
public enum SIPRawReply {
    /// The response for a request that failed to parse, so the sender learns why (RFC 3261 section 8.2: 400 with a reason).
    public static func badRequest(for bytes: UnsafeRawBufferPointer, error: SIPParseError) -> [UInt8]? {
        let reason = String(error.detail.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }.prefix(80).map(Character.init))
        let status = error.statusCode
        return response(for: bytes, statusCode: status, reason: "\(SIPResponse.defaultReason(for: status)) (\(reason))",
                        acceptVersionMismatch: error.code == .unsupportedVersion)
    }

    /// A refusal (e.g. 403 from a network rule that rejects rather than drops).
    public static func response(for bytes: UnsafeRawBufferPointer, statusCode: Int, reason: String,
                                acceptVersionMismatch: Bool = false) -> [UInt8]? {
        let limit = min(bytes.count, 16_384)
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<limit]), as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard let requestLine = lines.first, !requestLine.hasPrefix("SIP/"), requestLine.hasSuffix("SIP/2.0") || acceptVersionMismatch,
              !requestLine.hasPrefix("ACK ")
        else { return nil }
        lines.removeFirst()
        var found: [SIPHeaderName: Substring] = [:]
        for line in lines {
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = SIPHeaderName(String(line[line.startIndex..<colon]).trimmingSpaces())
            if [.via, .from, .to, .callID, .cseq].contains(name), found[name] == nil {
                found[name] = line[line.index(after: colon)...]
            }
        }
        guard found.count == 5 else { return nil }
        var headers = SIPHeaders()
        for name in [SIPHeaderName.via, .from, .to, .callID, .cseq] {
            headers.append(name, found[name].map { String($0).trimmingSpaces() } ?? "")
        }
        return SIPResponse(statusCode: statusCode, reasonPhrase: reason, headers: headers).serialized()
    }
}
