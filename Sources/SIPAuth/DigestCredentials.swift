import SIPCore

/// The `Authorization`/`Proxy-Authorization` value a client sends (RFC 3261 section 22.4, RFC 8760).
public struct DigestCredentials: Sendable, Equatable {
    public var username: String
    public var realm: String
    public var nonce: String
    public var uri: String
    public var response: String
    public var algorithm: String?
    public var cnonce: String?
    public var qop: String?
    /// nc, eight hex digits.
    public var nonceCount: String?
    public var opaque: String?

    /// Parses `Digest name=value, ...`; unknown parameters are ignored, missing mandatory ones are an error.
    public init(parsing value: String) throws(DigestError) {
        try self.init(parsing: value[...])
    }

    /// The same for a received header, read in place. Concrete, not generic over `StringProtocol`: called from
    /// another module, a generic parser ran unspecialized for every authenticated request.
    public init(parsing value: Substring) throws(DigestError) {
        var username: String?, realm: String?, nonce: String?, uri: String?, response: String?
        var algorithm: String?, cnonce: String?, qop: String?, nonceCount: String?, opaque: String?
        try DigestParameters.forEach(in: value) { name, parameterValue in
            switch name {
            case "username": username = parameterValue
            case "realm": realm = parameterValue
            case "nonce": nonce = parameterValue
            case "uri": uri = parameterValue
            case "response": response = parameterValue
            case "algorithm": algorithm = parameterValue
            case "cnonce": cnonce = parameterValue
            case "qop": qop = parameterValue
            case "nc": nonceCount = parameterValue
            case "opaque": opaque = parameterValue
            default: break
            }
        }
        guard let username, let realm, let nonce, let uri, let response
        else { throw DigestError.malformed("username, realm, nonce, uri and response are required") }
        self.username = username
        self.realm = realm
        self.nonce = nonce
        self.uri = uri
        self.response = response
        self.algorithm = algorithm
        self.cnonce = cnonce
        self.qop = qop
        self.nonceCount = nonceCount
        self.opaque = opaque
    }

    /// Builds the credentials a client would send; used by trunks answering a provider's challenge and by tests.
    public init(answering challenge: DigestChallenge, username: String, password: String, method: SIPMethod, uri: String,
                cnonce: String = "0a4f113b", nonceCount: UInt32 = 1) {
        let algorithm = challenge.algorithm
        let ha1 = algorithm.ha1(username: username, realm: challenge.realm, password: password)
        let nc = String(nonceCount, radix: 16).leftPadded(to: 8)
        self.username = username
        realm = challenge.realm
        nonce = challenge.nonce
        self.uri = uri
        self.algorithm = algorithm.rawValue
        opaque = challenge.opaque
        if challenge.qop != nil {
            qop = "auth"
            self.cnonce = cnonce
            self.nonceCount = nc
        }
        response = DigestVerifier.expectedResponse(ha1: ha1, algorithm: algorithm, method: method.rawValue, uri: uri,
                                                   nonce: challenge.nonce, nonceCount: self.nonceCount, cnonce: self.cnonce,
                                                   qop: qop)
    }

    public var headerValue: String {
        var parts = [
            "username=\"\(username)\"", "realm=\"\(realm)\"", "nonce=\"\(nonce)\"", "uri=\"\(uri)\"",
            "response=\"\(response)\"",
        ]
        if let algorithm { parts.append("algorithm=\(algorithm)") }
        if let qop, let cnonce, let nonceCount { parts += ["qop=\(qop)", "cnonce=\"\(cnonce)\"", "nc=\(nonceCount)"] }
        if let opaque { parts.append("opaque=\"\(opaque)\"") }
        return "Digest " + parts.joined(separator: ", ")
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
