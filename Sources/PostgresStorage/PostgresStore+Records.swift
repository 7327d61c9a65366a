import Foundation
import Model
import PostgresNIO
import Storage

/// The block list, the security dashboard's counts and call records.
extension PostgresStore {
    public func insertBlocks(_ blocks: [NetworkBlockRecord]) async throws -> [NetworkBlockRecord] {
        guard !blocks.isEmpty else { return [] }
        return try await transaction { connection in
            var stored: [NetworkBlockRecord] = []
            for block in blocks {
                let row = try await Self.rows(connection, """
                    INSERT INTO network_block (source, defense_type, block_type, service, account, protocol, port, attacked_at, rule, note,
                      created_at, expires_at, hits, offense)
                    VALUES (\(block.source), \(block.defenseType), \(block.blockType), \(block.service), \(block.account), \(block.protocol),
                            \(block.port), \(block.attackedAt), \(block.rule), \(block.note), \(block.createdAt), \(block.expiresAt),
                            \(block.hits), \(block.offense))
                    RETURNING id
                    """)
                var copy = block
                copy.id = try row.first?.get("id", as: Int64.self)
                stored.append(copy)
            }
            return stored
        }
    }

    public func deleteBlocks(ids: [Int64]) async throws -> [NetworkBlockRecord] {
        guard !ids.isEmpty else { return [] }
        return try await rows("DELETE FROM network_block WHERE id = ANY(\(ids)) RETURNING *").map(Self.blockRecord).sorted { $0.id ?? 0 < $1.id ?? 0 }
    }

    public func deleteBlocks(expiredAt time: Date) async throws -> [NetworkBlockRecord] {
        try await rows("DELETE FROM network_block WHERE expires_at IS NOT NULL AND expires_at <= \(time) RETURNING *").map(Self.blockRecord)
    }

    public func blocks(_ query: NetworkBlockQuery) async throws -> [NetworkBlockRecord] {
        let filter = PostgresFilter(ListFilter(query))
        return try await rows(filter.query("SELECT * FROM network_block \(filter.whereClause) ORDER BY id DESC LIMIT \(query.limit)")).map(Self.blockRecord)
    }

    public func addBlockHits(_ hits: [Int64: Int]) async throws {
        guard !hits.isEmpty else { return }
        try await transaction { connection in
            for (id, count) in hits {
                try await Self.rows(connection, "UPDATE network_block SET hits = hits + \(count) WHERE id = \(id)")
            }
        }
    }

    public func securityTallies(_ query: SecurityTalliesQuery) async throws -> SecurityTallies {
        try await transaction { connection in
            var tallies = SecurityTallies()
            // One pass per table: the week's rows by kind, with those of the last day counted beside them.
            func split(_ rows: [PostgresRandomAccessRow]) throws -> (day: [String: Int], week: [String: Int]) {
                let counts = try rows.map { (try $0.get("kind", as: String.self), try $0.get("day", as: Int.self), try $0.get("week", as: Int.self)) }
                return (Dictionary(uniqueKeysWithValues: counts.map { ($0.0, $0.1) }).filter { $0.value > 0 },
                        Dictionary(uniqueKeysWithValues: counts.map { ($0.0, $0.2) }))
            }
            (tallies.eventsLastDay, tallies.eventsLastWeek) = try split(try await Self.rows(connection, """
                SELECT category AS kind, COUNT(*) FILTER (WHERE time >= \(query.dayStart)) AS day, COUNT(*) AS week FROM event
                WHERE time >= \(query.weekStart) AND level IN ('warning', 'alert') GROUP BY category
                """))
            (tallies.blocksLastDay, tallies.blocksLastWeek) = try split(try await Self.rows(connection, """
                SELECT defense_type AS kind, COUNT(*) FILTER (WHERE created_at >= \(query.dayStart)) AS day, COUNT(*) AS week
                FROM network_block WHERE created_at >= \(query.weekStart) GROUP BY defense_type
                """))
            tallies.activeBlocks = try await Self.rows(connection, """
                SELECT COUNT(*) AS n FROM network_block WHERE expires_at IS NULL OR expires_at > \(query.now)
                """).first?.get("n", as: Int.self) ?? 0
            tallies.targetedAccounts = try await Self.rows(connection, """
                SELECT account, COUNT(*) AS n FROM (SELECT COALESCE(fields ->> 'account', fields ->> 'username') AS account FROM event
                  WHERE time >= \(query.weekStart) AND level IN ('warning', 'alert') AND category IN ('registration', 'login')) AS targeted
                WHERE account IS NOT NULL GROUP BY account ORDER BY n DESC, account LIMIT \(query.topAccounts)
                """).map { AccountCount(account: try $0.get("account"), count: try $0.get("n")) }
            tallies.recentSources = try await Self.rows(connection, """
                SELECT source FROM network_block WHERE expires_at IS NULL OR expires_at > \(query.now) ORDER BY id DESC LIMIT \(query.sourceSample)
                """).map { try $0.get("source") }
            return tallies
        }
    }

    public func appendCallRecords(_ records: [CallDetailRecord]) async throws {
        guard !records.isEmpty else { return }
        try await transaction { connection in try await Self.insert(records, on: connection) }
    }

    /// Writes final records; a call this takes out of the open calls is no longer up (`CallJournal`).
    static func insert(_ records: [CallDetailRecord], on connection: PostgresConnection) async throws {
        if records.contains(where: { $0.node != nil }) { try await lockJournal(connection) }
        for record in records {
            if record.node != nil { try await rows(connection, "DELETE FROM open_call WHERE key = \(openKey(record))") }
            try await rows(connection, """
                INSERT INTO cdr (call_id, caller, callee, dialed, sent, route, trunk, start, answer, "end", disposition, hangup_side, cause,
                                 decision, decision_reason, pin, packets_from_caller, packets_from_callee, node)
                VALUES (\(record.callID), \(record.caller), \(record.callee), \(record.dialed), \(record.sent), \(record.route), \(record.trunk),
                        \(record.start), \(record.answer), \(record.end), \(record.disposition.rawValue), \(record.hangupSide), \(record.cause),
                        \(record.decision), \(record.decisionReason), \(record.pin), \(record.packetsFromCaller), \(record.packetsFromCallee), \(record.node))
                """)
        }
    }

    public func callRecords(_ query: CallDetailQuery) async throws -> [CallDetailRecord] {
        let filter = PostgresFilter(ListFilter(query))
        return try await rows(filter.query("SELECT * FROM cdr \(filter.whereClause) ORDER BY start DESC, id DESC LIMIT \(query.limit)")).map { row in
            CallDetailRecord(id: try row.get("id"), callID: try row.get("call_id"), caller: try row.get("caller"), callee: try row.get("callee"),
                             dialed: try row.get("dialed"), sent: try row.get("sent"), route: try row.get("route"), trunk: try row.get("trunk"),
                             start: try row.get("start"), answer: try row.get("answer"), end: try row.get("end"),
                             disposition: CallDisposition(rawValue: try row.get("disposition")) ?? .failed, hangupSide: try row.get("hangup_side"),
                             cause: try row.get("cause"), decision: try row.get("decision"), decisionReason: try row.get("decision_reason"),
                             pin: try row.get("pin"), packetsFromCaller: try row.get("packets_from_caller"),
                             packetsFromCallee: try row.get("packets_from_callee"), node: try row.get("node"))
        }
    }

    private static func blockRecord(_ row: PostgresRandomAccessRow) throws -> NetworkBlockRecord {
        NetworkBlockRecord(id: try row.get("id"), source: try row.get("source"), defenseType: try row.get("defense_type"),
                           blockType: try row.get("block_type"), service: try row.get("service"), account: try row.get("account"),
                           protocol: try row.get("protocol"), port: try row.get("port"), attackedAt: try row.get("attacked_at"),
                           rule: try row.get("rule"), note: try row.get("note"), createdAt: try row.get("created_at"),
                           expiresAt: try row.get("expires_at"), hits: try row.get("hits"), offense: try row.get("offense"))
    }
}
