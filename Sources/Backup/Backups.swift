import Foundation
import Model
import Storage

/// Makes, lists and restores backups of one data directory. A backup holds the store's consistent snapshot (the
/// configuration, and call records and events when chosen) and `secrets.key` (sealed trunk passwords and second
/// factors are worthless without it), encrypted as `BackupArchive` describes.
public struct Backups: Sendable {
    public static let fileExtension = "pcbk"
    static let databaseEntry = "portcullis.sqlite"
    static let secretsEntry = "secrets.key"
    static let entries: Set<String> = ["manifest.json", databaseEntry, secretsEntry]

    let store: any PortcullisStore
    let dataDirectory: String
    public let directory: String

    public init(store: any PortcullisStore, dataDirectory: String, directory: String) {
        self.store = store
        self.dataDirectory = dataDirectory
        self.directory = directory
    }

    var secretsPath: String { (dataDirectory as NSString).appendingPathComponent("secrets.key") }
    /// Where a restore unpacks and checks before it changes anything; removed after, and at the next start.
    public var stagingDirectory: String { (dataDirectory as NSString).appendingPathComponent("restore-staging") }

    /// Writes a new backup in the backup directory, named after its time and parts (`prefix` marks scheduled ones).
    public func create(including parts: Set<BackupPart>, passphrase: String, prefix: String = "portcullis", now: Date = Date()) async throws(BackupError) -> BackupFile {
        guard passphrase.count >= BackupKey.minimumPassphraseLength else {
            throw .unsupported("the passphrase must have at least \(BackupKey.minimumPassphraseLength) characters")
        }
        try makeDirectory(directory)
        let work = try temporaryDirectory("backup-work")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let database = (work as NSString).appendingPathComponent(Backups.databaseEntry)
        let schema: StoreSchema
        do {
            schema = try await store.snapshot(to: database, including: parts)
        } catch {
            throw .io("cannot copy the database: \(error)")
        }
        guard let secrets = FileManager.default.contents(atPath: secretsPath) else { throw .io("cannot read \(secretsPath)") }
        let sums = [Backups.databaseEntry: try Backups.sha256(file: database), Backups.secretsEntry: Backups.sha256(secrets)]
        let manifest = BackupManifest(created: now, parts: parts.sorted(), schema: schema, checksums: sums)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        let stamp = Backups.stamp(now)
        let name = ([prefix, stamp] + parts.sorted().map(\.rawValue)).joined(separator: "-") + "." + Backups.fileExtension
        let final = (directory as NSString).appendingPathComponent(name)
        let partial = final + ".partial"
        do throws(BackupError) {
            var writer = try BackupArchive.Writer(path: partial, passphrase: passphrase)
            try writer.add("manifest.json", data: (try? encoder.encode(manifest)) ?? Data())
            try writer.add(Backups.databaseEntry, file: database)
            try writer.add(Backups.secretsEntry, data: secrets)
            try writer.finish()
            guard rename(partial, final) == 0 else { throw BackupError.io("cannot name the backup \(final)") }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        return try file(named: name)
    }

    /// The backups in the directory, newest first.
    public func list() -> [BackupFile] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix("." + Backups.fileExtension) }.compactMap { try? file(named: $0) }.sorted { $0.modified > $1.modified }
    }

    public func file(named name: String) throws(BackupError) -> BackupFile {
        guard Backups.isPlainName(name) else { throw .unsupported("a backup is named by its file name in \(directory)") }
        let path = (directory as NSString).appendingPathComponent(name)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let size = attributes[.size] as? Int else {
            throw .io("no backup named \(name) in \(directory)")
        }
        return BackupFile(name: name, path: path, size: size, modified: attributes[.modificationDate] as? Date ?? Date(timeIntervalSince1970: 0))
    }

    /// Removes all but the newest `keep` backups whose names start with `prefix`; answers the names removed.
    public func prune(prefix: String, keep: Int) -> [String] {
        let old = list().filter { $0.name.hasPrefix(prefix + "-") }.dropFirst(keep)
        for file in old { try? FileManager.default.removeItem(atPath: file.path) }
        return old.map(\.name)
    }

    /// Unpacks and checks the backup at `path`, then replaces the configuration and the parts it holds, all at once.
    /// Anything wrong (not a backup, wrong passphrase, damaged, newer) is found before the store changes.
    public func restore(path: String, passphrase: String) async throws(BackupError) -> RestoreOutcome {
        try? FileManager.default.removeItem(atPath: stagingDirectory)
        try makeDirectory(stagingDirectory)
        defer { try? FileManager.default.removeItem(atPath: stagingDirectory) }
        let manifest = try BackupArchive.extract(path: path, passphrase: passphrase, into: stagingDirectory, allowed: Backups.entries)
        guard manifest.format <= BackupManifest.currentFormat else {
            throw .newerVersion("the backup was made by Portcullis \(manifest.portcullisVersion), a newer format; upgrade before restoring it")
        }
        let database = (stagingDirectory as NSString).appendingPathComponent(Backups.databaseEntry)
        do {
            _ = try await store.prepareRestore(of: database)
        } catch StoreError.newerVersion(let detail) {
            throw .newerVersion("\(detail) (Portcullis \(manifest.portcullisVersion)); upgrade before restoring it")
        } catch {
            throw .damaged("\(error)")
        }
        let stagedSecrets = FileManager.default.contents(atPath: (stagingDirectory as NSString).appendingPathComponent(Backups.secretsEntry))
        let secretsChanged = stagedSecrets != nil && stagedSecrets != FileManager.default.contents(atPath: secretsPath)
        let parts = Set(manifest.parts)
        do {
            try await store.restore(from: database, including: parts)
        } catch {
            throw .io("cannot restore the database: \(error)")
        }
        if secretsChanged, let stagedSecrets {
            let temporary = secretsPath + ".restored"
            guard FileManager.default.createFile(atPath: temporary, contents: stagedSecrets, attributes: [.posixPermissions: 0o600]),
                  rename(temporary, secretsPath) == 0 else { throw .io("the data was restored, but \(secretsPath) could not be replaced") }
        }
        return RestoreOutcome(manifest: manifest, secretsChanged: secretsChanged)
    }

    /// Removes what a backup or restore interrupted by a crash left (the staging directory, work copies, a partial
    /// file): called at start.
    public func clearInterrupted() {
        try? FileManager.default.removeItem(atPath: stagingDirectory)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory)) ?? [] where name.hasPrefix("backup-work-") {
            try? FileManager.default.removeItem(atPath: (dataDirectory as NSString).appendingPathComponent(name))
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix("." + Backups.fileExtension + ".partial") {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
    }

    private func makeDirectory(_ path: String) throws(BackupError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io("cannot create \(path): \(error.localizedDescription)")
        }
    }

    private func temporaryDirectory(_ name: String) throws(BackupError) -> String {
        let path = (dataDirectory as NSString).appendingPathComponent("\(name)-\(UInt32.random(in: 0...UInt32.max))")
        try makeDirectory(path)
        return path
    }

    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 255 && !name.hasPrefix(".") && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
            && name.hasSuffix("." + fileExtension)
    }

    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02d-%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    static func sha256(_ data: Data) -> String { SHA256Hex.of(data) }

    static func sha256(file path: String) throws(BackupError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .io("cannot read \(path)") }
        defer { try? handle.close() }
        var hash = SHA256Hex()
        while let piece = try? handle.read(upToCount: 1 << 20), !piece.isEmpty { hash.update(piece) }
        return hash.finalize()
    }
}

/// One backup file as listed.
public struct BackupFile: Codable, Sendable, Equatable {
    public var name: String
    public var path: String
    public var size: Int
    public var modified: Date
}

public struct RestoreOutcome: Sendable {
    public let manifest: BackupManifest
    /// The backup came from another installation: its `secrets.key` replaced this one's.
    public let secretsChanged: Bool
}
