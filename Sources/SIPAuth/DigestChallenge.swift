/// A `WWW-Authenticate`/`Proxy-Authenticate` challenge.
public struct DigestChallenge: Sendable, Equatable {
    public var realm: String
    public var nonce: String
    public var algorithm: DigestAlgorithm
    /// "auth" when offered; nil for RFC 2069 style challenges from old providers.
    public var qop: String?
    public var opaque: String?
    /// The credentials were right but the nonce had expired: retry without asking the user (RFC 2617 section 3.2.1).
    public var stale: Bool

    public init(realm: String, nonce: String, algorithm: DigestAlgorithm, qop: String? = "auth", opaque: String? = nil, stale: Bool = false) {
        self.realm = realm
        self.nonce = nonce
        self.algorithm = algorithm
        self.qop = qop
        self.opaque = opaque
        self.stale = stale
    }

    /// Written into one string sized up front: every REGISTER without credentials gets one or two.
    public var headerValue: String {
        var text = ""
        text.reserveCapacity(80 + realm.utf8.count + nonce.utf8.count + (qop?.utf8.count ?? 0) + (opaque?.utf8.count ?? 0))
        text += "Digest realm=\""
        text += realm
        text += "\", nonce=\""
        text += nonce
        text += "\", algorithm="
        text += algorithm.rawValue
        if let qop {
            text += ", qop=\""
            text += qop
            text += "\""
        }
        if let opaque {
            text += ", opaque=\""
            text += opaque
            text += "\""
        }
        if stale { text += ", stale=true" }
        return text
    }

    /// Parses a challenge from a provider (the client side of digest, for trunks and tests).
    public init(parsing value: String) throws(DigestError) {
        let fields = try DigestParameters.parse(value)
        guard let realm = fields["realm"], let nonce = fields["nonce"] else { throw DigestError.malformed("realm and nonce are required") }
        guard let algorithm = DigestAlgorithm(parameter: fields["algorithm"]) else {
            throw DigestError.unsupportedAlgorithm(fields["algorithm"] ?? "")
        }
        self.realm = realm
        self.nonce = nonce
        self.algorithm = algorithm
        qop = fields["qop"].flatMap { $0.split(separator: ",").map { $0.filter { $0 != " " } }.contains("auth") ? "auth" : nil }
        opaque = fields["opaque"]
        stale = fields["stale"]?.lowercased() == "true"
    }
}
