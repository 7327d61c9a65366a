import Crypto
import FoundationEssentials
import Model
import SIPCore

/// What checking credentials concluded; the registrar maps each case to a response and an event.
public enum DigestVerdict: String, Sendable, Equatable {
    case accepted
    case wrongResponse = "wrong digest"
    case staleNonce = "stale nonce"
    case invalidNonce = "invalid nonce"
    case replayedNonceCount = "replayed nonce-count"
    case wrongRealm = "wrong realm"
    case uriMismatch = "digest uri differs from Request-URI"
    case unsupportedAlgorithm = "unsupported algorithm"
    case qopRequired = "qop=auth required"
}

/// Server-side digest verification (RFC 3261 section 22, RFC 8760), with the nonce state it needs.
public struct DigestVerifier: Sendable {
    public let realm: String
    public let signer: NonceSigner
    private var counts: NonceCountTracker

    /// `startedAt`: nonces issued before it are not trusted at nc=1 (their counts were not tracked by this run).
    public init(realm: String, key: [UInt8], nonceLifetime: UInt64 = 300, trackedNonces: Int = 100_000, startedAt: UInt64 = 0) {
        self.realm = realm
        signer = NonceSigner(key: key, lifetime: nonceLifetime)
        counts = NonceCountTracker(capacity: trackedNonces, lifetime: nonceLifetime, startedAt: startedAt)
    }

    public func challenge(algorithm: DigestAlgorithm, now: UInt64, stale: Bool = false) -> DigestChallenge {
        DigestChallenge(realm: realm, nonce: signer.makeNonce(now: now), algorithm: algorithm, qop: "auth", stale: stale)
    }

    /// Checks credentials against the stored HA1 for their algorithm. Pass `ha1: nil` for an unknown user:
    /// the work done is the same, so the answer and its timing reveal nothing.
    public mutating func verify(_ credentials: DigestCredentials, method: SIPMethod, requestURI: URI,
                                ha1: String?, now: UInt64) -> DigestVerdict {
        guard let algorithm = DigestAlgorithm(parameter: credentials.algorithm) else { return .unsupportedAlgorithm }
        guard credentials.realm == realm else { return .wrongRealm }
        let nonceState = signer.check(credentials.nonce, now: now)
        if nonceState == .invalid { return .invalidNonce }
        guard credentials.qop?.lowercased() == "auth", let cnonce = credentials.cnonce, let ncText = credentials.nonceCount,
              ncText.utf8.count == 8, let nonceCount = UInt32(ncText, radix: 16)
        else { return .qopRequired }
        guard DigestVerifier.sameURI(credentials.uri, requestURI) else { return .uriMismatch }
        let matches = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: algorithm.hexLength) { expected in
            DigestVerifier.writeResponse(ha1: ha1 ?? algorithm.hexDigest(of: [credentials.username, realm, ""]), algorithm: algorithm,
                                         method: method.rawValue, uri: credentials.uri, nonce: credentials.nonce,
                                         nonceCount: ncText, cnonce: cnonce, qop: "auth", to: expected)
            return ConstantTime.equalsHex(expected, credentials.response.utf8)
        }
        guard matches, ha1 != nil else { return .wrongResponse }
        guard case .valid(let issuedAt) = nonceState else { return .staleNonce }
        guard counts.accept(nonce: credentials.nonce, user: credentials.username, nonceCount: nonceCount, issuedAt: issuedAt, now: now) else {
            return .replayedNonceCount
        }
        return .accepted
    }

    /// response = H(HA1:nonce:nc:cnonce:qop:H(method:uri)), or H(HA1:nonce:H(method:uri)) without qop.
    public static func expectedResponse(ha1: String, algorithm: DigestAlgorithm, method: String, uri: String, nonce: String,
                                        nonceCount: String?, cnonce: String?, qop: String?) -> String {
        String(unsafeUninitializedCapacity: algorithm.hexLength) { out in
            writeResponse(ha1: ha1, algorithm: algorithm, method: method, uri: uri, nonce: nonce, nonceCount: nonceCount,
                          cnonce: cnonce, qop: qop, to: out)
            return algorithm.hexLength
        }
    }

    /// The expected response's hex digits, written to `out`: a check needs no string of it, nor of H(method:uri).
    static func writeResponse(ha1: String, algorithm: DigestAlgorithm, method: String, uri: String, nonce: String,
                              nonceCount: String?, cnonce: String?, qop: String?, to out: UnsafeMutableBufferPointer<UInt8>) {
        switch algorithm {
        case .md5: writeResponse(Insecure.MD5.self, ha1: ha1, method: method, uri: uri, nonce: nonce, nonceCount: nonceCount,
                                 cnonce: cnonce, qop: qop, to: out)
        case .sha256: writeResponse(SHA256.self, ha1: ha1, method: method, uri: uri, nonce: nonce, nonceCount: nonceCount,
                                    cnonce: cnonce, qop: qop, to: out)
        }
    }

    private static func writeResponse<H: HashFunction>(_: H.Type, ha1: String, method: String, uri: String, nonce: String,
                                                       nonceCount: String?, cnonce: String?, qop: String?,
                                                       to out: UnsafeMutableBufferPointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * H.Digest.byteCount) { ha2 in
            DigestAlgorithm.writeHexDigest(of: [method, uri], H.self, to: ha2)
            var function = H()
            function.update(piece: ha1, afterColon: false)
            function.update(piece: nonce, afterColon: true)
            if let qop, let nonceCount, let cnonce {
                function.update(piece: nonceCount, afterColon: true)
                function.update(piece: cnonce, afterColon: true)
                function.update(piece: qop, afterColon: true)
            }
            function.update(piece: UnsafeRawBufferPointer(ha2), afterColon: true)
            function.finalize().withUnsafeBytes { Hex.write($0, to: out) }
        }
    }

    /// The digest-uri must name the Request-URI (RFC 2617 section 3.2.2.5); compared as parsed URIs.
    /// The digest names the Request-URI, or the same host and port without the user part: SIPp and several phones
    /// put the server's address there in INVITEs. The nonce and its count already bind the answer to one request,
    /// so the user part adds no protection worth refusing them for.
    static func sameURI(_ digestURI: String, _ requestURI: URI) -> Bool {
        if digestURI == requestURI.description { return true }
        guard let parsed = try? URI(parsing: digestURI) else { return false }
        if parsed == requestURI { return true }
        guard let digest = parsed.sipURI, let request = requestURI.sipURI, digest.user == nil else { return false }
        return digest.isSecure == request.isSecure && digest.host.lowercased() == request.host.lowercased()
            && (digest.port ?? 5060) == (request.port ?? 5060)
    }
}
