import Foundation
import GRDB
import Model

/// Backups and restores of the one database file: a consistent copy while the PBX runs (SQLite's online backup
/// reads one snapshot), and a restore that replaces the chosen tables in one transaction, so a crash mid-way
/// leaves the previous data.
extension SQLiteStore {
    /// Tables each optional part owns; every other table is configuration, except the runtime state that a
    /// restore must not bring back (registered devices, open sessions).
    static let partTables: [BackupPart: String] = [.cdr: "cdr", .events: "event"]
    static let runtimeTables: Set<String> = ["binding", "session"]

    /// Writes a consistent copy to `path` holding the configuration and `parts`; answers its schema.
    public func snapshot(to path: String, including parts: Set<BackupPart>) async throws -> StoreSchema {
        let destination = try DatabaseQueue(path: path)
        try await read { db in
            try destination.writeWithoutTransaction { target in try db.backup(to: target) }
        }
        let schema = try await destination.write { db in
            for part in BackupPart.allCases where !parts.contains(part) {
                try db.execute(sql: "DELETE FROM \(Self.partTables[part]!)")
            }
            for table in Self.runtimeTables { try db.execute(sql: "DELETE FROM \(table)") }
            return StoreSchema(migrations: try StoreMigrations.migrator.appliedMigrations(db))
        }
        // One self-contained file: the copy took the live database's WAL mode.
        try await destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        try await destination.vacuum()
        try destination.close()
        return schema
    }

    /// Checks a snapshot at `path` before anything changes: readable, intact, and not from a newer version (one of
    /// its migrations unknown here). Brings an older one up to this schema.
    public func prepareRestore(of path: String) async throws -> StoreSchema {
        do {
            let staged = try DatabaseQueue(path: path)
            defer { try? staged.close() }
            let schema = try await staged.read { db in
                guard try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok" else { throw StoreError.unreadable("the backup's database (damaged)") }
                if try StoreMigrations.migrator.hasBeenSuperseded(db) {
                    throw StoreError.newerVersion("the backup was made by a newer Portcullis (its database has changes this version does not know)")
                }
                return StoreSchema(migrations: try StoreMigrations.migrator.appliedMigrations(db))
            }
            try StoreMigrations.migrator.migrate(staged)
            return schema
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.unreadable("the backup's database (\(error))")
        }
    }

    /// Replaces the configuration and `parts` with those of the prepared snapshot at `path`, in one transaction.
    public func restore(from path: String, including parts: Set<BackupPart>) async throws {
        let excluded = Self.runtimeTables.union(BackupPart.allCases.filter { !parts.contains($0) }.map { Self.partTables[$0]! })
        try await writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS restored", arguments: [path])
            defer { try? db.execute(sql: "DETACH DATABASE restored") }
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                """).filter { !excluded.contains($0) }
            try db.inTransaction {
                try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
                for table in tables {
                    try db.execute(sql: "DELETE FROM main.\(table)")
                    try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM restored.\(table)")
                }
                return .commit
            }
        }
    }
}
