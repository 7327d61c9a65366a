/// A header name compared case-insensitively, with the compact forms of RFC 3261 section 7.3.3 expanded.
public struct SIPHeaderName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The spelling written on the wire: canonical for known headers, as received otherwise.
    public let canonical: String
    /// Lower-cased canonical name, the identity used for lookups.
    public let key: String
    /// Whether values are comma-separated lists (RFC 3261 section 7.3.1), which may also be split over lines.
    public let isList: Bool
    /// FNV-1a of `key`: header lookups scan every field, and most names compared differ, told apart by this number
    /// without comparing strings.
    private let fingerprint: UInt64

    public init(_ name: String) {
        self = name.withUTF8Bytes { SIPHeaderName.known(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0))) }
            ?? SIPHeaderName(canonical: name)
    }

    /// The known header spelled by `bytes` in any case, long or compact form; nil for another name. Looked up by
    /// fingerprint in a small table, without making a string or hashing one (this runs for every header line).
    static func known(_ bytes: UnsafeRawBufferPointer) -> SIPHeaderName? {
        knownTable.name(fingerprint: fingerprint(bytes), spelling: bytes)
    }

    public init(stringLiteral value: String) { self.init(value) }

    private init(canonical: String) {
        self.canonical = canonical
        key = canonical.lowercased()
        isList = SIPHeaderName.listKeys.contains(key)
        fingerprint = SIPHeaderName.fingerprint(key.utf8)
    }

    public static func == (lhs: SIPHeaderName, rhs: SIPHeaderName) -> Bool {
        lhs.fingerprint == rhs.fingerprint && lhs.key == rhs.key
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(fingerprint) }

    /// FNV-1a of the bytes with ASCII capitals lowered, so any spelling of a name has its key's fingerprint.
    private static func fingerprint(_ bytes: some Sequence<UInt8>) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64(SIPCharacterClass.asciiLowercased($1))) &* 0x100_0000_01b3 }
    }
    public var description: String { canonical }

    public static let via = SIPHeaderName(canonical: "Via")
    public static let from = SIPHeaderName(canonical: "From")
    public static let to = SIPHeaderName(canonical: "To")
    public static let callID = SIPHeaderName(canonical: "Call-ID")
    public static let cseq = SIPHeaderName(canonical: "CSeq")
    public static let contact = SIPHeaderName(canonical: "Contact")
    public static let maxForwards = SIPHeaderName(canonical: "Max-Forwards")
    public static let contentLength = SIPHeaderName(canonical: "Content-Length")
    public static let contentType = SIPHeaderName(canonical: "Content-Type")
    public static let contentEncoding = SIPHeaderName(canonical: "Content-Encoding")
    public static let expires = SIPHeaderName(canonical: "Expires")
    public static let minExpires = SIPHeaderName(canonical: "Min-Expires")
    public static let route = SIPHeaderName(canonical: "Route")
    public static let recordRoute = SIPHeaderName(canonical: "Record-Route")
    public static let authorization = SIPHeaderName(canonical: "Authorization")
    public static let proxyAuthorization = SIPHeaderName(canonical: "Proxy-Authorization")
    public static let wwwAuthenticate = SIPHeaderName(canonical: "WWW-Authenticate")
    public static let proxyAuthenticate = SIPHeaderName(canonical: "Proxy-Authenticate")
    public static let userAgent = SIPHeaderName(canonical: "User-Agent")
    public static let server = SIPHeaderName(canonical: "Server")
    public static let allow = SIPHeaderName(canonical: "Allow")
    public static let supported = SIPHeaderName(canonical: "Supported")
    public static let require = SIPHeaderName(canonical: "Require")
    public static let accept = SIPHeaderName(canonical: "Accept")
    public static let subject = SIPHeaderName(canonical: "Subject")
    public static let date = SIPHeaderName(canonical: "Date")
    public static let event = SIPHeaderName(canonical: "Event")
    public static let referTo = SIPHeaderName(canonical: "Refer-To")
    public static let referredBy = SIPHeaderName(canonical: "Referred-By")
    public static let warning = SIPHeaderName(canonical: "Warning")
    public static let retryAfter = SIPHeaderName(canonical: "Retry-After")
    public static let unsupported = SIPHeaderName(canonical: "Unsupported")

    /// Every known name under its lower-cased key and its compact form (RFC 3261 section 7.3.3), open addressing over
    /// flat arrays: a probe compares a fingerprint, and only a match compares the bytes (a name crafted to share a
    /// fingerprint stays unknown).
    private struct KnownTable {
        /// A power of two, about three times the 45 spellings, so probes stay short.
        private static let size = 128
        private var fingerprints = [UInt64](repeating: 0, count: size)
        /// Empty marks an empty slot: no spelling is empty.
        private var spellings = [[UInt8]](repeating: [], count: size)
        private var names = [SIPHeaderName?](repeating: nil, count: size)

        init(_ spellings: [(String, SIPHeaderName)]) {
            for (spelling, name) in spellings {
                let print = SIPHeaderName.fingerprint(spelling.utf8)
                var slot = Int(truncatingIfNeeded: print) & (Self.size - 1)
                while !self.spellings[slot].isEmpty { slot = (slot + 1) & (Self.size - 1) }
                fingerprints[slot] = print
                self.spellings[slot] = Array(spelling.utf8)
                names[slot] = name
            }
        }

        func name(fingerprint: UInt64, spelling bytes: UnsafeRawBufferPointer) -> SIPHeaderName? {
            var slot = Int(truncatingIfNeeded: fingerprint) & (Self.size - 1)
            while !spellings[slot].isEmpty {
                if fingerprints[slot] == fingerprint, SIPCharacterClass.caseInsensitiveEquals(spellings[slot], bytes) {
                    return names[slot]
                }
                slot = (slot + 1) & (Self.size - 1)
            }
            return nil
        }
    }

    private static let knownTable: KnownTable = {
        let all: [SIPHeaderName] = [
            .via, .from, .to, .callID, .cseq, .contact, .maxForwards, .contentLength, .contentType,
            .contentEncoding, .expires, .minExpires, .route, .recordRoute, .authorization,
            .proxyAuthorization, .wwwAuthenticate, .proxyAuthenticate, .userAgent, .server, .allow,
            .supported, .require, .accept, .subject, .date, .event, .referTo, .referredBy, .warning,
            .retryAfter, .unsupported,
        ]
        let compact: [(String, SIPHeaderName)] = [
            ("v", .via), ("f", .from), ("t", .to), ("i", .callID), ("m", .contact), ("l", .contentLength),
            ("c", .contentType), ("e", .contentEncoding), ("s", .subject), ("k", .supported), ("o", .event),
            ("r", .referTo), ("b", .referredBy),
        ]
        return KnownTable(all.map { ($0.key, $0) } + compact)
    }()

    private static let listKeys: Set<String> = [
        "via", "contact", "route", "record-route", "allow", "supported", "require", "accept",
        "unsupported", "proxy-require", "accept-encoding", "accept-language",
    ]
}
