import Foundation
import Model
import Storage

extension CallDetailRecord {
    static let csvHeader = "id,call_id,caller,callee,dialed,sent,route,trunk,start,answer,end,duration,disposition,hangup_side,cause,decision,decision_reason,pin,packets_from_caller,packets_from_callee,node"

    /// One RFC 4180 line; times in ISO 8601 UTC.
    var csvLine: String {
        let time = { (date: Date?) in date.map { $0.formatted(.iso8601) } ?? "" }
        let fields: [String] = [id.map(String.init) ?? "", callID, caller, callee, dialed, sent ?? "", route ?? "", trunk ?? "", time(start),
                                time(answer), time(end), String(duration), disposition.rawValue, hangupSide ?? "", cause ?? "", decision ?? "",
                                decisionReason ?? "", pin ?? "", packetsFromCaller.map(String.init) ?? "", packetsFromCallee.map(String.init) ?? "", node ?? ""]
        return fields.map(CallDetailRecord.csvField).joined(separator: ",")
    }

    /// Quoted when it holds a comma, a quote or a line break; a leading =, +, - or @ is defused so a spreadsheet
    /// does not run a number someone dialed as a formula.
    static func csvField(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The whole export: header and one line per record, CRLF line ends.
    public static func csv(_ records: [CallDetailRecord]) -> String {
        ([csvHeader] + records.map(\.csvLine)).joined(separator: "\r\n") + "\r\n"
    }
}
