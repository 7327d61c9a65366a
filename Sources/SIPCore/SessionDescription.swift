/// An SDP body (RFC 8866) kept as its ordered lines, with typed access to what a B2BUA rewrites:
/// connection addresses and media ports.
public struct SessionDescription: Sendable, Equatable {
    /// One `type=value` line.
    public struct Line: Sendable, Equatable {
        public var type: Character
        public var value: String
    }

    /// One `m=` section with its lines.
    public struct Media: Sendable, Equatable {
        public var media: String
        public var port: Int
        public var portCount: Int?
        public var proto: String
        public var formats: [String]
        /// Lines after the m= line (c=, a=, b=, ...).
        public var lines: [Line]

        public var connection: Connection? {
            get { lines.first { $0.type == "c" }.flatMap { try? Connection(parsing: $0.value) } }
            set { SessionDescription.setConnection(newValue, in: &lines) }
        }

        public func attributes(_ name: String) -> [String] { SessionDescription.attributes(name, in: lines) }

        var mediaLine: String {
            "\(media) \(port)\(portCount.map { "/\($0)" } ?? "") \(proto) \(formats.joined(separator: " "))"
        }
    }

    /// `c=` content: network type, address type and address.
    public struct Connection: Sendable, Equatable {
        public var addressType: String
        public var address: String

        public init(addressType: String, address: String) {
            self.addressType = addressType
            self.address = address
        }

        init(parsing value: String) throws(SDPParseError) {
            let parts = value.split(separator: " ")
            guard parts.count == 3, parts[0] == "IN", parts[1] == "IP4" || parts[1] == "IP6", !parts[2].isEmpty else {
                throw SDPParseError("c= must be 'IN IP4|IP6 address'")
            }
            addressType = String(parts[1])
            address = String(parts[2])
        }

        var serialized: String { "IN \(addressType) \(address)" }
    }

    /// Session-level lines, v= first.
    public var sessionLines: [Line]
    public var media: [Media]

    public var connection: Connection? {
        get { sessionLines.first { $0.type == "c" }.flatMap { try? Connection(parsing: $0.value) } }
        set { SessionDescription.setConnection(newValue, in: &sessionLines) }
    }

    public func attributes(_ name: String) -> [String] { SessionDescription.attributes(name, in: sessionLines) }

    /// Points every connection line (session and media level) at one address, as a media relay does.
    public mutating func rewriteConnections(to connection: Connection) {
        if self.connection != nil || media.contains(where: { $0.connection == nil }) { self.connection = connection }
        for index in media.indices where media[index].connection != nil { media[index].connection = connection }
    }

    private static func setConnection(_ connection: Connection?, in lines: inout [Line]) {
        lines.removeAll { $0.type == "c" }
        guard let connection else { return }
        let line = Line(type: "c", value: connection.serialized)
        let before = lines.firstIndex { "btka".contains($0.type) } ?? lines.endIndex
        lines.insert(line, at: before)
    }

    private static func attributes(_ name: String, in lines: [Line]) -> [String] {
        lines.compactMap { line in
            guard line.type == "a" else { return nil }
            if line.value == name { return "" }
            guard line.value.hasPrefix(name + ":") else { return nil }
            return String(line.value.dropFirst(name.count + 1))
        }
    }
}

/// Why an SDP body was refused; a B2BUA answers 488 or 400 with it.
public struct SDPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
