/// A SIP request: method, Request-URI, headers and body.
public struct SIPRequest: Sendable, Equatable {
    public var method: SIPMethod
    public var uri: URI
    public var headers: SIPHeaders
    public var body: [UInt8]

    public init(method: SIPMethod, uri: URI, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }
}

extension SIPRequest: SIPMessageHeaders {}
