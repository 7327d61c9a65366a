extension SessionDescription {
    /// Most lines accepted in one body; an SDP offer has a few dozen.
    public static let maxLines = 512

    public init(parsing bytes: [UInt8]) throws(SDPParseError) {
        let text = String(decoding: bytes, as: UTF8.self)
        let rawLines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
            .filter { !$0.isEmpty }
        guard rawLines.count <= SessionDescription.maxLines else { throw SDPParseError("more than \(SessionDescription.maxLines) lines") }
        guard rawLines.first == "v=0" else { throw SDPParseError("must begin with v=0") }
        sessionLines = []
        media = []
        for raw in rawLines {
            let bytes = raw.utf8
            guard bytes.count >= 2, let type = raw.first, type.isASCII, type.isLowercase,
                  bytes[bytes.index(after: bytes.startIndex)] == UInt8(ascii: "=")
            else { throw SDPParseError("bad line '\(raw.prefix(32))'") }
            // RFC 4566 section 9: no NUL, CR or LF inside a line (a bare CR would end a header it is copied into).
            guard !bytes.contains(where: { $0 == 0 || $0 == 0x0D || $0 == 0x0A }) else {
                throw SDPParseError("a control character (NUL or a bare CR) inside an '\(type)=' line")
            }
            let value = String(raw.dropFirst(2))
            if type == "m" {
                media.append(try SessionDescription.parseMedia(value))
            } else if media.isEmpty {
                if type == "c" { _ = try Connection(parsing: value) }
                if type == "o", value.split(separator: " ").count != 6 { throw SDPParseError("o= must have six fields") }
                sessionLines.append(Line(type: type, value: value))
            } else {
                if type == "c" { _ = try Connection(parsing: value) }
                media[media.count - 1].lines.append(Line(type: type, value: value))
            }
        }
    }

    private static func parseMedia(_ value: String) throws(SDPParseError) -> Media {
        let parts = value.split(separator: " ")
        guard parts.count >= 4 else { throw SDPParseError("m= must be 'media port proto formats'") }
        let portParts = parts[1].split(separator: "/", omittingEmptySubsequences: false)
        guard let port = Int(portParts[0]), (0...65_535).contains(port), portParts.count <= 2 else {
            throw SDPParseError("bad media port '\(parts[1].prefix(16))'")
        }
        var portCount: Int?
        if portParts.count == 2 {
            guard let count = Int(portParts[1]), count > 0 else { throw SDPParseError("bad port count") }
            portCount = count
        }
        return Media(media: String(parts[0]), port: port, portCount: portCount, proto: String(parts[2]),
                     formats: parts[3...].map(String.init), lines: [])
    }

    /// CRLF-terminated lines, session part first.
    public func serialized() -> [UInt8] {
        var text = ""
        for line in sessionLines { text += "\(line.type)=\(line.value)\r\n" }
        for section in media {
            text += "m=\(section.mediaLine)\r\n"
            for line in section.lines { text += "\(line.type)=\(line.value)\r\n" }
        }
        return Array(text.utf8)
    }
}
