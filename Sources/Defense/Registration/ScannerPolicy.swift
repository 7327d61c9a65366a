import Model

/// What to do with requests from known scanning tools, recognized by their User-Agent (case-insensitive, anywhere
/// in it). The default drops them without a word and blocks the source, so a scan learns nothing and stops at its
/// first packet.
public struct ScannerPolicy: StrictCodable {
    public enum Action: String, StrictChoice {
        /// Drop silently and block the source (like a registration lockout).
        case block
        /// Drop silently.
        case drop
        /// Treat like any other request.
        case off
    }

    public var action: Action = .block
    public var userAgents: [String] = ScannerPolicy.known

    /// User-Agents of SIPVicious and other scanners and guessing tools seen in toll-fraud attacks.
    public static let known = [
        "friendly-scanner", "sipvicious", "sipcli", "VaxSIPUserAgent", "sundayddr", "iWar", "sip-scan", "smap", "SIVuS",
        "Gulp", "siparmyknife", "friendly-request", "pplsip",
    ]

    public init() {}

    public static let fields: [StrictField<ScannerPolicy>] = [.init("action", \.action), .init("userAgents", \.userAgents)]

    /// The scanner name found in `userAgent`, if any.
    public func scanner(in userAgent: String) -> String? {
        Matcher(self).scanner(in: userAgent)
    }

    /// The policy compiled for the per-request check: patterns as lower-case bytes, matched without allocating.
    public struct Matcher: Sendable {
        public let action: Action
        private let patterns: [(name: String, bytes: [UInt8])]

        public init(_ policy: ScannerPolicy) {
            action = policy.action
            patterns = policy.action == .off ? [] : policy.userAgents.map { ($0, Array($0.utf8).map(Matcher.lower)) }
        }

        public func scanner(in userAgent: String) -> String? {
            guard !patterns.isEmpty else { return nil }
            var text = userAgent
            return text.withUTF8 { bytes in
                patterns.first { pattern in Matcher.contains(bytes, pattern.bytes) }?.name
            }
        }

        private static func lower(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }

        private static func contains(_ text: UnsafeBufferPointer<UInt8>, _ pattern: [UInt8]) -> Bool {
            guard !pattern.isEmpty, text.count >= pattern.count else { return pattern.isEmpty }
            outer: for start in 0...(text.count - pattern.count) {
                for offset in 0..<pattern.count where lower(text[start + offset]) != pattern[offset] { continue outer }
                return true
            }
            return false
        }
    }

    /// Shortest User-Agent pattern accepted.
    public static let minPatternLength = 4

    public var problems: [String] {
        var problems: [String] = []
        if userAgents.count > 100 { problems.append("userAgents: at most 100 entries") }
        // A short pattern would match ordinary phones ("a" is in almost every User-Agent) and block them.
        for (index, agent) in userAgents.enumerated()
        where !(ScannerPolicy.minPatternLength...64).contains(agent.count) || agent.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            problems.append("userAgents[\(index)]: must be \(ScannerPolicy.minPatternLength)-64 printable characters")
        }
        return problems
    }
}
