import Foundation
import PostgresNIO
import Storage

extension PostgresStore: OutboundLedger {
    /// An arbitrary constant naming the outbound ledger's lock: reservations of all nodes take their turn.
    static let ledgerLockKey: Int64 = 0x706F_7274_6F75_7462

    /// Holds `key`, one of Portcullis's advisory locks, until the transaction on `connection` ends: nodes take turns.
    static func lock(_ key: Int64, on connection: PostgresConnection) async throws {
        try await rows(connection, "SELECT pg_advisory_xact_lock(\(key))")
    }

    public func reserve(_ reservation: OutboundReservation) async throws -> OutboundReservation.Answer {
        try await transaction { connection in
            let time = reservation.time
            try await Self.lock(Self.ledgerLockKey, on: connection)
            try await Self.rows(connection, """
                DELETE FROM outbound_call WHERE ended_at IS NOT NULL AND started_at < \(time.addingTimeInterval(-OutboundReservation.retention))
                """)
            func book(trunk: String?) async throws {
                try await Self.rows(connection, """
                    INSERT INTO outbound_call (key, extension, trunk, node, started_at, ended_at)
                    VALUES (\(reservation.key), \(reservation.caller), \(trunk), \(reservation.node), \(time), \(trunk == nil ? time : nil))
                    ON CONFLICT (key) DO NOTHING
                    """)
            }
            for limit in reservation.limits {
                let since = time.addingTimeInterval(-TimeInterval(limit.seconds))
                let made = try await Self.rows(connection, """
                    SELECT count(*) AS made FROM outbound_call WHERE extension = \(reservation.caller) AND counted AND started_at > \(since)
                    """).first?.get("made", as: Int64.self) ?? 0
                if made >= limit.calls {
                    try await book(trunk: nil)
                    return .frequencyExceeded(limit)
                }
            }
            for trunk in reservation.trunks {
                if let limit = trunk.limit {
                    let up = try await Self.rows(connection, """
                        SELECT count(*) AS up FROM outbound_call WHERE trunk = \(trunk.name) AND ended_at IS NULL
                        """).first?.get("up", as: Int64.self) ?? 0
                    guard up < limit else { continue }
                }
                try await book(trunk: trunk.name)
                return .granted(trunk: trunk.name)
            }
            try await book(trunk: nil)
            return .trunksBusy
        }
    }

    public func endOutboundCalls(_ keys: [String], at time: Date) async throws {
        guard !keys.isEmpty else { return }
        try await rows("UPDATE outbound_call SET ended_at = \(time) WHERE key = ANY(\(keys)) AND ended_at IS NULL")
    }

    public func forgetOutboundCalls(of caller: String) async throws {
        try await rows("UPDATE outbound_call SET counted = false WHERE extension = \(caller) AND counted")
    }

    public func endOutboundCalls(node: String, at time: Date) async throws -> Int {
        try await rows("UPDATE outbound_call SET ended_at = \(time) WHERE node = \(node) AND ended_at IS NULL RETURNING key").count
    }
}
