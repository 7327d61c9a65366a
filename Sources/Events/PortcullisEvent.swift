import Foundation
import Storage

/// One occurrence of a catalogued event with its facts (source IP, account, user agent, reason...).
public struct PortcullisEvent: Sendable, Equatable {
    public let kind: EventKind
    public let time: Date
    public let fields: [String: String]

    public init(_ kind: EventKind, time: Date = Date(), fields: [String: String] = [:]) {
        self.kind = kind
        self.time = time
        self.fields = fields
    }

    public var record: EventRecord {
        EventRecord(time: time, name: kind.name, category: kind.category.rawValue, level: kind.level.rawValue, fields: fields)
    }
}
