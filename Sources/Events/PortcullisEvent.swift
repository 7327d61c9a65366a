import Foundation
import Model
import Storage

/// One occurrence of a catalogued event with its facts (source IP, account, user agent, reason...).
public struct PortcullisEvent: Sendable, Equatable {
    public let kind: EventKind
    public let time: Date
    public let fields: [String: String]

    /// Longest value a field keeps: many come from the network (User-Agent, account, contact), and one event must
    /// not carry kilobytes of an attacker's text into the log and every notification.
    public static let maxFieldLength = 128

    /// Values longer than `maxFieldLength` are cut (ending in `…`) and control characters become `?`.
    public init(_ kind: EventKind, time: Date = Date(), fields: [String: String] = [:]) {
        self.kind = kind
        self.time = time
        self.fields = fields.mapValues(PortcullisEvent.clean)
    }

    static func clean(_ value: String) -> String {
        let needsWork = value.unicodeScalars.count > maxFieldLength || value.unicodeScalars.contains { $0.properties.generalCategory == .control }
        guard needsWork else { return value }
        var scalars = String.UnicodeScalarView()
        for scalar in value.unicodeScalars.prefix(maxFieldLength) {
            scalars.append(scalar.properties.generalCategory == .control ? "?" : scalar)
        }
        return String(scalars) + (value.unicodeScalars.count > maxFieldLength ? "…" : "")
    }

    /// The same occurrence at another level (an installation's override).
    func at(level: EventKind.Level) -> PortcullisEvent {
        var kind = kind
        kind.level = level
        return PortcullisEvent(checked: kind, time: time, fields: fields)
    }

    private init(checked kind: EventKind, time: Date, fields: [String: String]) {
        self.kind = kind
        self.time = time
        self.fields = fields
    }

    public var record: EventRecord {
        EventRecord(time: time, name: kind.name, category: kind.category.rawValue, level: kind.level.rawValue, fields: fields)
    }
}
