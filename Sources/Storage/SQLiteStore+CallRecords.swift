import Model
import Foundation
import GRDB

extension SQLiteStore {
    public func appendCallRecords(_ records: [CallDetailRecord]) async throws {
        try await write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO cdr (call_id, caller, callee, dialed, sent, route, trunk, start, answer, end, disposition, hangup_side, cause,
                                 decision, decision_reason, pin, packets_from_caller, packets_from_callee, node)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            try records.forEachGivingWay { record in
                try statement.execute(arguments: [record.callID, record.caller, record.callee, record.dialed, record.sent, record.route,
                                                  record.trunk, record.start, record.answer, record.end, record.disposition.rawValue, record.hangupSide,
                                                  record.cause, record.decision, record.decisionReason, record.pin, record.packetsFromCaller,
                                                  record.packetsFromCallee, record.node])
            }
        }
    }

    public func callRecords(_ query: CallDetailQuery) async throws -> [CallDetailRecord] {
        let filter = SQLFilter(ListFilter(query))
        let sql = "SELECT * FROM cdr \(filter.whereClause) ORDER BY start DESC, id DESC LIMIT \(query.limit)"
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: filter.arguments).map { row in
                CallDetailRecord(id: row["id"], callID: row["call_id"], caller: row["caller"], callee: row["callee"], dialed: row["dialed"],
                                 sent: row["sent"], route: row["route"], trunk: row["trunk"], start: row["start"], answer: row["answer"],
                                 end: row["end"], disposition: CallDisposition(rawValue: row["disposition"]) ?? .failed, hangupSide: row["hangup_side"], cause: row["cause"],
                                 decision: row["decision"], decisionReason: row["decision_reason"], pin: row["pin"],
                                 packetsFromCaller: row["packets_from_caller"], packetsFromCallee: row["packets_from_callee"], node: row["node"])
            }
        }
    }
}
