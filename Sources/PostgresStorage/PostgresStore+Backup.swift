import Model
import Storage

/// Backups of a PostgreSQL store are not made by Portcullis yet: a cluster's database is backed up with
/// PostgreSQL's own tools (`pg_dump`), and Portcullis's encrypted file format holds an SQLite snapshot. Refused with
/// the reason, nothing written.
extension PostgresStore {
    static let backupRefused = StoreError.backend("Portcullis backups are made of the embedded SQLite store; back a PostgreSQL store up with pg_dump")

    public func snapshot(to path: String, including parts: Set<BackupPart>) async throws -> StoreSchema { throw Self.backupRefused }
    public func prepareRestore(of path: String) async throws -> StoreSchema { throw Self.backupRefused }
    public func restore(from path: String, including parts: Set<BackupPart>) async throws { throw Self.backupRefused }
}
