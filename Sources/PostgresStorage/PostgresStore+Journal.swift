import Foundation
import Model
import PostgresNIO
import Storage

extension PostgresStore: CallJournal {
    public func openCalls(_ records: [CallDetailRecord]) async throws {
        guard !records.isEmpty else { return }
        try await transaction { connection in
            for record in records {
                let text = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
                // A call whose final record was written first (the two are written behind on their own) is not opened again.
                try await Self.rows(connection, """
                    INSERT INTO open_call (key, node, record)
                    SELECT \(Self.openKey(record)), \(record.node ?? ""), \(text)
                    WHERE NOT EXISTS (SELECT 1 FROM cdr WHERE call_id = \(record.callID) AND node IS NOT DISTINCT FROM \(record.node) AND start = \(record.start))
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

    /// A call up on a node: its node and the caller's Call-ID (one call per Call-ID at a time on a node).
    static func openKey(_ record: CallDetailRecord) -> String { "\(record.node ?? ""):\(record.callID)" }
}
