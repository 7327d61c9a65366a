import Backup
import DefenseRuntime
import Events
import Foundation
import Model
import Notifications
import PBX
import SIPAuth
import Storage

/// Backups of the data directory: made by hand or on the schedule, listed, restored. A restore checks everything
/// before the store changes, replaces the data in one transaction, then makes the running server use it; what
/// cannot change without a restart (the digest realm, the secrets key) is said in the answer.
extension AdminService {
    public func backupOverview() async throws(AdminError) -> BackupOverview {
        let settings = try await settings(BackupSettings.self)
        let backups = try backups(settings)
        var shown = settings
        shown.passphrase = nil
        return BackupOverview(directory: backups.directory, backups: backups.list(), schedule: shown, passphraseSet: settings.passphrase != nil,
                              nextScheduled: BackupSchedule.next(after: Date(), settings))
    }

    public func createBackup(_ request: CreateBackupRequest) async throws(AdminError) -> BackupFile {
        try await createBackup(including: Set(request.include), passphrase: request.passphrase, prefix: "portcullis")
    }

    /// Makes a backup; a failure raises "Backup Failed" (with the reason, never the passphrase).
    func createBackup(including parts: Set<BackupPart>, passphrase: String, prefix: String) async throws(AdminError) -> BackupFile {
        let backups = try backups(try await settings(BackupSettings.self))
        do {
            let file = try await backups.create(including: parts, passphrase: passphrase, prefix: prefix)
            await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: [
                "section": "backup", "created": file.name, "parts": (["configuration"] + parts.sorted().map(\.rawValue)).joined(separator: ","),
            ]))
            return file
        } catch {
            if case .unsupported = error { throw AdminError(.invalidInput, error.description) }
            await record(PortcullisEvent(EventCatalogue.backupFailed, fields: ["reason": error.description, "directory": backups.directory]))
            throw AdminError(.internalError, error.description)
        }
    }

    /// `file`: a name in the backup directory; an absolute path only from the owner's socket (or the CLI without a
    /// server), since a path makes the server read that file.
    public func restoreBackup(_ request: RestoreBackupRequest) async throws(AdminError) -> RestoreResult {
        let backups = try backups(try await settings(BackupSettings.self))
        let path: String
        if request.file.hasPrefix("/") {
            guard AdminCaller.current?.credential == .socket else {
                throw AdminError(.forbidden, "over the network a backup is named by its file name in \(backups.directory)")
            }
            path = request.file
        } else {
                do throws(BackupError) { path = try backups.file(named: request.file).path } catch { throw AdminError(.notFound, error.description) }
        }
        let realmBefore = realm
        let numbersBefore = Set(try await storeCall { try await store.extensions() }.map(\.number))
        let outcome: RestoreOutcome
        do {
            outcome = try await backups.restore(path: path, passphrase: request.passphrase)
        } catch {
            switch error {
            case .wrongPassphrase: throw AdminError(.invalidInput, "wrong passphrase; nothing was changed")
            case .notABackup, .damaged, .newerVersion, .unsupported: throw AdminError(.invalidInput, error.description + (error.description.contains("nothing was changed") ? "" : "; nothing was changed"))
            case .io: throw AdminError(.internalError, error.description)
            }
        }
        var restart: [String] = []
        if try await AdminService.secrets(store).realm != realmBefore { restart.append("the digest realm differs (phones register again after the restart)") }
        if outcome.secretsChanged { restart.append("the secrets key came from another installation (trunk passwords, second factors)") }
        try await applyRestored(removed: numbersBefore)
        let manifest = outcome.manifest
        await record(PortcullisEvent(EventCatalogue.systemRestored, fields: [
            "backup": (path as NSString).lastPathComponent, "created": manifest.created.formatted(.iso8601),
            "parts": (["configuration"] + manifest.parts.map(\.rawValue)).joined(separator: ","), "version": manifest.portcullisVersion,
        ]))
        return RestoreResult(restored: (path as NSString).lastPathComponent, created: manifest.created, parts: manifest.parts,
                             portcullisVersion: manifest.portcullisVersion, restartRequired: restart)
    }

    public func backupFile(named name: String) async throws(AdminError) -> BackupFile {
        let backups = try backups(try await settings(BackupSettings.self))
        do throws(BackupError) { return try backups.file(named: name) } catch { throw AdminError(.notFound, error.description) }
    }

    public func updateBackupSchedule(_ update: BackupSettings) async throws(AdminError) -> BackupOverview {
        var settings = update
        let stored = try await self.settings(BackupSettings.self)
        if settings.passphrase == nil { settings.passphrase = stored.passphrase.flatMap { try? secrets.open($0) } }
        var problems = settings.problems
        if let passphrase = settings.passphrase, passphrase.count < BackupKey.minimumPassphraseLength {
            problems.append("backup.passphrase: at least \(BackupKey.minimumPassphraseLength) characters")
        }
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        settings.passphrase = settings.passphrase.map(secrets.seal)
        let sealed = settings
        try await storeCall { try await store.save(sealed) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "backup schedule", "frequency": settings.frequency.rawValue]))
        return try await backupOverview()
    }

    /// Runs the scheduled backup now if one is configured: made, then the oldest beyond `keep` removed.
    public func runScheduledBackup() async throws(AdminError) -> BackupFile? {
        let settings = try await settings(BackupSettings.self)
        guard settings.frequency != .off else { return nil }
        guard let passphrase = settings.passphrase.flatMap({ try? secrets.open($0) }) else {
            await record(PortcullisEvent(EventCatalogue.backupFailed, fields: ["reason": "the schedule's passphrase cannot be read"]))
            throw AdminError(.internalError, "the schedule's passphrase cannot be read")
        }
        let file = try await createBackup(including: Set(settings.include), passphrase: passphrase, prefix: "scheduled")
        _ = try backups(settings).prune(prefix: "scheduled", keep: settings.keep)
        return file
    }

    func backups(_ settings: BackupSettings) throws(AdminError) -> Backups {
        guard let dataDirectory else { throw AdminError(.conflict, "backups need the data directory") }
        return Backups(store: store, dataDirectory: dataDirectory, directory: settings.directory(in: dataDirectory))
    }

    /// Makes what runs use the restored data: the network defense, extensions, routing, registration and login defenses,
    /// notifications.
    private func applyRestored(removed numbersBefore: Set<String>) async throws(AdminError) {
        let extensions = try await storeCall { try await store.extensions() }
        try await networkCall { try await network.load() }
        live.configurationApplied(extensions: extensions, removed: numbersBefore.subtracting(extensions.map(\.number)),
                                  sip: try await settings(SIPSettings.self))
        try live.routingChanged(try await storedRouting(), policy: try await outboundPolicy())
        live.registrationDefenseChanged(try await registrationDefense())
        try await loadLoginDefense()
        await notifier?.reload()
    }
}

/// `GET /api/v1/backups`.
public struct BackupOverview: Codable, Sendable {
    public var directory: String
    public var backups: [BackupFile]
    public var schedule: BackupSettings
    public var passphraseSet: Bool
    public var nextScheduled: Date?
}

/// Body of `POST /api/v1/backups`.
public struct CreateBackupRequest: StrictCodable {
    public var include: [BackupPart] = []
    public var passphrase = ""
    public init() {}
    public static let fields: [StrictField<CreateBackupRequest>] = [.init("include", \.include), .required("passphrase", \.passphrase)]
}

/// Body of `POST /api/v1/backups/restore`.
public struct RestoreBackupRequest: StrictCodable {
    public var file = ""
    public var passphrase = ""
    public init() {}
    public static let fields: [StrictField<RestoreBackupRequest>] = [.required("file", \.file), .required("passphrase", \.passphrase)]
}

public struct RestoreResult: Codable, Sendable {
    public var restored: String
    public var created: Date
    public var parts: [BackupPart]
    public var portcullisVersion: String
    /// Why the server must be restarted to use all of the restored data; empty when everything is live.
    public var restartRequired: [String]
}

extension BackupPart: StrictChoice {}
