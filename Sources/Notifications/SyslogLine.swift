import Events
import Foundation

/// One RFC 5424 syslog message: `<PRI>1 TIME HOST portcullis PROCID MSGID [portcullis@32473 FIELD="VALUE"...] TEXT`.
/// Facility 4 (security) for security events, 16 (local0) for the others; the level maps to alert (1), warning (4)
/// or informational (6). The structured data carries the event's fields, escaped as the RFC says.
public enum SyslogLine {
    /// The SD-ID's enterprise number is the one RFC 5612 reserves for documentation and examples.
    static let structuredDataID = "portcullis@32473"

    public static func format(_ message: NotificationMessage, text: String, hostname: String, processID: Int32) -> String {
        let event = message.event
        let facility = event.kind.type == .security ? 4 : 16
        let severity = switch event.kind.level {
        case .alert: 1
        case .warning: 4
        case .information: 6
        }
        var fields = event.fields
        if let interval = message.interval {
            fields["repeated"] = String(message.count)
            fields["interval"] = String(interval)
        }
        let parameters = fields.sorted { $0.key < $1.key }.compactMap { key, value -> String? in
            let name = String(key.filter { $0.isASCII && $0.isLetter || $0.isNumber }.prefix(32))
            return name.isEmpty ? nil : "\(name)=\"\(escape(value))\""
        }
        let data = "[\(([structuredDataID] + parameters).joined(separator: " "))]"
        let messageID = String(event.kind.name.filter { $0.isASCII && $0.isLetter }.prefix(32))
        let time = event.time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        return "<\(facility * 8 + severity)>1 \(time) \(token(hostname, 255)) portcullis \(processID) \(messageID) \(data) \(text)"
    }

    /// `"`, `\` and `]` escaped with a backslash (RFC 5424 6.3.3).
    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if character == "\"" || character == "\\" || character == "]" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// A header field: printable ASCII without spaces, or `-` when nothing is left.
    static func token(_ text: String, _ length: Int) -> String {
        let kept = String(text.filter { $0.isASCII && !$0.isWhitespace && $0 != "\u{7f}" && $0.asciiValue! > 32 }.prefix(length))
        return kept.isEmpty ? "-" : kept
    }
}
