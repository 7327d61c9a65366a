/// Where to listen: `HOST:PORT` (UDP and TCP), `udp:HOST:PORT`, `tcp:HOST:PORT` or `tls:HOST:PORT`;
/// IPv6 hosts in brackets, e.g. `[::1]:5060`.
public struct SIPListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var transports: [SIPTransportKind]

    public init(host: String, port: Int, transports: [SIPTransportKind] = [.udp, .tcp]) {
        self.host = host
        self.port = port
        self.transports = transports
    }

    public init(parsing text: String) throws(SIPListenAddressError) {
        var rest = Substring(text)
        transports = [.udp, .tcp]
        for kind in SIPTransportKind.allCases where rest.lowercased().hasPrefix(kind.rawValue.lowercased() + ":") {
            transports = [kind]
            rest = rest.dropFirst(kind.rawValue.count + 1)
        }
        let hostPart: Substring
        let portPart: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else {
                throw SIPListenAddressError(text: text)
            }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            portPart = rest[rest.index(close, offsetBy: 2)...]
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw SIPListenAddressError(text: text) }
            hostPart = rest[rest.startIndex..<colon]
            portPart = rest[rest.index(after: colon)...]
        }
        let bracketed = rest.hasPrefix("[")
        let hostCharacters = hostPart.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-.".contains($0) || (bracketed && $0 == ":")) }
        guard !hostPart.isEmpty, hostCharacters, let port = Int(portPart), (1...65_535).contains(port) else {
            throw SIPListenAddressError(text: text)
        }
        host = String(hostPart)
        self.port = port
    }

    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        let prefix = transports == [.udp, .tcp] ? "" : transports.map { $0.rawValue.lowercased() }.joined() + ":"
        return "\(prefix)\(hostText):\(port)"
    }
}

public struct SIPListenAddressError: Error, Sendable, CustomStringConvertible {
    public let text: String

    public init(text: String) { self.text = text }

    public var description: String { "invalid listen address '\(text)': expected [udp:|tcp:|tls:]HOST:PORT, IPv6 as [ADDR]:PORT" }
}
