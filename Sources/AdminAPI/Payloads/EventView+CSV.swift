import Foundation
import Model

extension EventView {
    static let csvHeader = "id,time,name,category,level,status,fields"

    /// One RFC 4180 line; the fields as `key=value` pairs in key order, time in ISO 8601 UTC.
    var csvLine: String {
        [id.map(String.init) ?? "", time.formatted(.iso8601), name, category, level, read ? "read" : "unread",
         fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
            .map(CallDetailRecord.csvField).joined(separator: ",")
    }

    public static func csv(_ events: [EventView]) -> String {
        ([csvHeader] + events.map(\.csvLine)).joined(separator: "\r\n") + "\r\n"
    }
}
