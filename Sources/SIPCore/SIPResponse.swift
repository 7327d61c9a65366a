/// A SIP response: status code, reason phrase, headers and body.
public struct SIPResponse: Sendable, Equatable {
    public var statusCode: Int
    public var reasonPhrase: String
    public var headers: SIPHeaders
    public var body: [UInt8]

    public init(statusCode: Int, reasonPhrase: String? = nil, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        self.statusCode = statusCode
        self.reasonPhrase = reasonPhrase ?? SIPResponse.defaultReason(for: statusCode)
        self.headers = headers
        self.body = body
    }

    /// Room for the copied headers and the few a reply adds (Contact, Expires, a challenge), so building it does not
    /// grow the array again and again.
    private static let replyCapacity = 10

    /// A response to `request` with the headers RFC 3261 section 8.2.6.2 copies (Via, From, To, Call-ID, CSeq);
    /// `toTag` is added to To when it has none, as a final response must carry one.
    public init(replyingTo request: SIPRequest, statusCode: Int, reasonPhrase: String? = nil, toTag: String? = nil) {
        var fields: [SIPHeaders.Field] = []
        fields.reserveCapacity(Self.replyCapacity)
        let received = request.headers.fields
        for index in received.indices {
            let name = received[index].name
            if name == .via || name == .from || name == .callID || name == .cseq { fields.append(received[index]) }
        }
        if let to = request.headers.text(.to) {
            // A received request's To was parsed by validation, so this costs no parse for every response.
            if let toTag, request.toTag == nil {
                var tagged = ""
                tagged.reserveCapacity(to.utf8.count + 5 + toTag.utf8.count)
                tagged += to
                tagged += ";tag="
                tagged += toTag
                fields.append(SIPHeaders.Field(.to, tagged))
            } else {
                fields.append(SIPHeaders.Field(.to, text: to))
            }
        }
        self.init(statusCode: statusCode, reasonPhrase: reasonPhrase, headers: SIPHeaders(fields))
    }

    /// Adds `Warning: 399 AGENT "TEXT"` (RFC 3261 section 20.43) with the text quoted and without control characters.
    public mutating func appendWarning(agent: String, _ text: String) {
        let printable = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        headers.append(.warning, "399 \(agent) " + HeaderValueScanner.quoted(printable))
    }

    public static func defaultReason(for statusCode: Int) -> String {
        switch statusCode {
        case 100: "Trying"
        case 180: "Ringing"
        case 183: "Session Progress"
        case 200: "OK"
        case 202: "Accepted"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 407: "Proxy Authentication Required"
        case 408: "Request Timeout"
        case 413: "Request Entity Too Large"
        case 416: "Unsupported URI Scheme"
        case 420: "Bad Extension"
        case 423: "Interval Too Brief"
        case 480: "Temporarily Unavailable"
        case 481: "Call/Transaction Does Not Exist"
        case 482: "Loop Detected"
        case 483: "Too Many Hops"
        case 486: "Busy Here"
        case 487: "Request Terminated"
        case 488: "Not Acceptable Here"
        case 500: "Server Internal Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "Version Not Supported"
        case 513: "Message Too Large"
        case 603: "Decline"
        default: "Status \(statusCode)"
        }
    }
}

extension SIPResponse: SIPMessageHeaders {}
