/// What to do with requests from known scanning tools, recognized by their User-Agent (case-insensitive, anywhere
/// in it). The default drops them without a word and blocks the source, so a scan learns nothing and stops at its
/// first packet.
public struct ScannerPolicy: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
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

    /// The scanner name found in `userAgent`, if any.
    public func scanner(in userAgent: String) -> String? {
        guard action != .off else { return nil }
        let lowered = userAgent.lowercased()
        return userAgents.first { lowered.contains($0.lowercased()) }
    }

    public var problems: [String] {
        var problems: [String] = []
        if userAgents.count > 100 { problems.append("sip.scanners.userAgents: at most 100 entries") }
        for (index, agent) in userAgents.enumerated()
        where !(1...64).contains(agent.count) || agent.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            problems.append("sip.scanners.userAgents[\(index)]: must be 1-64 printable characters")
        }
        return problems
    }
}
