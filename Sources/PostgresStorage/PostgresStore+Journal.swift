import Foundation
import Model
import PostgresNIO
import Storage

extension PostgresStore: CallJournal {
    public func openCalls(_ records: [CallDetailRecord]) async throws {
        guard !records.isEmpty else { return }
        try await transaction { connection in
            try await Self.lockJournal(connection)
            for record in records {
                let text = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
                // A call whose final record was written first (the two are written behind on their own) is not opened again;
                // the store keeps times to the microsecond.
                try await Self.rows(connection, """
                    INSERT INTO open_call (key, node, record)
                    SELECT \(Self.openKey(record)), \(record.node ?? ""), \(text)
                    WHERE NOT EXISTS (SELECT 1 FROM cdr WHERE call_id = \(record.callID) AND node IS NOT DISTINCT FROM \(record.node)
                                        AND start BETWEEN \(record.start.addingTimeInterval(-0.001)) AND \(record.start.addingTimeInterval(0.001)))
                    ON CONFLICT (key) DO NOTHING
                    """)
            }
        }
    }

    public func closeOpenCalls(node: String, at time: Date, cause: String) async throws -> Int {
        try await transaction { connection in
            let records = try await Self.rows(connection, "DELETE FROM open_call WHERE node = \(node) RETURNING record").map { row in
                var record = try JSONDecoder().decode(CallDetailRecord.self, from: Data(try row.get("record", as: String.self).utf8))
                record.end = max(time, record.answer ?? record.start)
                record.hangupSide = "pbx"
                record.cause = cause
                return record
            }
            try await Self.insert(records, on: connection)
            return records.count
        }
    }

    /// Opening a call and writing its final record take turns, so neither misses the other when both are written at
    /// once (as when the store returns after an outage).
    static func lockJournal(_ connection: PostgresConnection) async throws {
        try await lock(journalLockKey, on: connection)
    }

    static let journalLockKey: Int64 = 0x706F_7274_6361_6C6C

    /// A call up on a node: its node and the caller's Call-ID (one call per Call-ID at a time on a node).
    static func openKey(_ record: CallDetailRecord) -> String { "\(record.node ?? ""):\(record.callID)" }
}
