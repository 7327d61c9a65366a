import Model
import Foundation
import GRDB

extension SQLiteStore {
    public func insertBlocks(_ blocks: [NetworkBlockRecord]) async throws -> [NetworkBlockRecord] {
        try await write { db in
            try blocks.map { block in
                try db.cachedStatement(sql: """
                    INSERT INTO network_block (source, defense_type, block_type, service, account, protocol, port, attacked_at,
                      rule, note, created_at, expires_at, hits, offense) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [block.source, block.defenseType, block.blockType, block.service, block.account,
                                             block.protocol, block.port, block.attackedAt, block.rule, block.note, block.createdAt,
                                             block.expiresAt, block.hits, block.offense])
                var stored = block
                stored.id = db.lastInsertedRowID
                return stored
            }
        }
    }

    public func deleteBlocks(ids: [Int64]) async throws -> [NetworkBlockRecord] {
        guard !ids.isEmpty else { return [] }
        return try await write { db in
            var removed: [NetworkBlockRecord] = []
            for id in ids {
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM network_block WHERE id = ?", arguments: [id]) else { continue }
                removed.append(Self.blockRecord(row))
                try db.execute(sql: "DELETE FROM network_block WHERE id = ?", arguments: [id])
            }
            return removed
        }
    }

    public func deleteBlocks(expiredAt time: Date) async throws -> [NetworkBlockRecord] {
        try await write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM network_block WHERE expires_at IS NOT NULL AND expires_at <= ?",
                                        arguments: [time])
            try db.execute(sql: "DELETE FROM network_block WHERE expires_at IS NOT NULL AND expires_at <= ?", arguments: [time])
            return rows.map(Self.blockRecord)
        }
    }

    public func blocks(_ query: NetworkBlockQuery) async throws -> [NetworkBlockRecord] {
        let filter = SQLFilter(ListFilter(query))
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM network_block \(filter.whereClause) ORDER BY id DESC LIMIT ?",
                             arguments: filter.arguments + [query.limit]).map(Self.blockRecord)
        }
    }

    public func addBlockHits(_ hits: [Int64: Int]) async throws {
        guard !hits.isEmpty else { return }
        try await write { db in
            for (id, count) in hits {
                try db.cachedStatement(sql: "UPDATE network_block SET hits = hits + ? WHERE id = ?").execute(arguments: [count, id])
            }
        }
    }

    private static func blockRecord(_ row: Row) -> NetworkBlockRecord {
        NetworkBlockRecord(id: row["id"], source: row["source"], defenseType: row["defense_type"], blockType: row["block_type"],
                           service: row["service"], account: row["account"], protocol: row["protocol"], port: row["port"],
                           attackedAt: row["attacked_at"], rule: row["rule"], note: row["note"], createdAt: row["created_at"],
                           expiresAt: row["expires_at"], hits: row["hits"], offense: row["offense"])
    }
}

extension SQLiteStore {
    public func securityTallies(_ query: SecurityTalliesQuery) async throws -> SecurityTallies {
        try await read { db in
            var tallies = SecurityTallies()
            // One pass per table: the week's rows by kind, with those of the last day counted beside them.
            func split(_ sql: String) throws -> (day: [String: Int], week: [String: Int]) {
                let rows = try Row.fetchAll(db, sql: sql, arguments: [query.dayStart, query.weekStart])
                return (Dictionary(uniqueKeysWithValues: rows.map { ($0[0] as String, $0[1] as Int) }).filter { $0.value > 0 },
                        Dictionary(uniqueKeysWithValues: rows.map { ($0[0] as String, $0[2] as Int) }))
            }
            (tallies.eventsLastDay, tallies.eventsLastWeek) = try split("""
                SELECT category, SUM(time >= ?), COUNT(*) FROM event WHERE time >= ? AND level IN ('warning', 'alert') GROUP BY category
                """)
            (tallies.blocksLastDay, tallies.blocksLastWeek) = try split(
                "SELECT defense_type, SUM(created_at >= ?), COUNT(*) FROM network_block WHERE created_at >= ? GROUP BY defense_type")
            tallies.activeBlocks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM network_block WHERE expires_at IS NULL OR expires_at > ?",
                                                    arguments: [query.now]) ?? 0
            tallies.targetedAccounts = try Row.fetchAll(db, sql: """
                SELECT COALESCE(json_extract(fields, '$.account'), json_extract(fields, '$.username')) AS account, COUNT(*) AS n
                FROM event WHERE time >= ? AND level IN ('warning', 'alert') AND category IN ('registration', 'login') AND account IS NOT NULL
                GROUP BY account ORDER BY n DESC, account LIMIT ?
                """, arguments: [query.weekStart, query.topAccounts]).map { AccountCount(account: $0["account"], count: $0["n"]) }
            tallies.recentSources = try String.fetchAll(db, sql: """
                SELECT source FROM network_block WHERE expires_at IS NULL OR expires_at > ? ORDER BY id DESC LIMIT ?
                """, arguments: [query.now, query.sourceSample])
            return tallies
        }
    }
}
