@testable import Backup
import Foundation
import Model
import Storage
import TestSupport
import Testing

@Suite struct BackupArchiveTests {
    let directory = ScratchDirectory.file("backup").path
    let allowed: Set<String> = ["manifest.json", "big", "small"]

    func archive(_ entries: [(String, Data)], passphrase: String = "a long test passphrase") throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/test.pcbk"
        var writer = try BackupArchive.Writer(path: path, passphrase: passphrase)
        for (name, data) in entries { try writer.add(name, data: data) }
        try writer.finish()
        return path
    }

    func manifest(for entries: [(String, Data)]) -> Data {
        let manifest = BackupManifest(created: Date(timeIntervalSince1970: 1_800_000_000), parts: [.cdr], schema: StoreSchema(migrations: ["v1"]),
                                      checksums: Dictionary(uniqueKeysWithValues: entries.map { ($0.0, SHA256Hex.of($0.1)) }))
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try! encoder.encode(manifest)
    }

    func extract(_ path: String, passphrase: String = "a long test passphrase") throws(BackupError) -> BackupManifest {
        let target = directory + "/out-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        return try BackupArchive.extract(path: path, passphrase: passphrase, into: target, allowed: allowed)
    }

    /// Entries spanning several 1 MiB chunks come back byte for byte, checked against the manifest.
    @Test func entriesAcrossChunksComeBackExactly() throws {
        let big = Data((0..<(2_500_000)).map { UInt8($0 % 251) })
        let entries = [("big", big), ("small", Data("x".utf8))]
        let path = try archive([("manifest.json", manifest(for: entries))] + entries)
        let manifest = try extract(path)
        #expect(manifest.parts == [.cdr] && manifest.schema.migrations == ["v1"])
        let outputs = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("out-") }
        #expect(FileManager.default.contents(atPath: directory + "/" + outputs[0] + "/big") == big)
    }

    @Test func aWrongPassphraseATamperedByteACutFileAndAnUnknownEntryAreRefused() throws {
        let entries = [("small", Data("configuration".utf8))]
        let path = try archive([("manifest.json", manifest(for: entries))] + entries)
        #expect(throws: BackupError.wrongPassphrase) { try extract(path, passphrase: "another passphrase!") }
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        for position in [20, 40, original.count - 10] {  // the header, the key parameters, the last chunk
            var tampered = original
            tampered[position] ^= 0x01
            try tampered.write(to: URL(fileURLWithPath: path))
            #expect(throws: (any Error).self) { try extract(path) }
        }
        try original.prefix(original.count - 20).write(to: URL(fileURLWithPath: path))
        #expect(throws: (any Error).self) { try extract(path) }
        try Data("PK\u{3}\u{4}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: BackupError.notABackup) { try extract(path) }
        let unknown = try archive([("manifest.json", manifest(for: [])), ("../../etc/passwd", Data("x".utf8))])
        #expect(throws: BackupError.damaged("it holds an entry this version does not know")) { try extract(unknown) }
        let mismatched = try archive([("manifest.json", manifest(for: [("small", Data("other".utf8))])), ("small", Data("changed".utf8))])
        #expect(throws: BackupError.damaged("small does not match its checksum")) { try extract(mismatched) }
    }

    @Test func keyParametersOutOfRangeAreRefusedBeforeAnyWork() {
        var parameters = BackupKey.Parameters(salt: Data(count: 32))
        parameters.n = 1 << 30
        #expect(throws: BackupError.damaged("its key parameters are out of range")) { try BackupKey(passphrase: "x", parameters: parameters) }
        parameters.n = 1 << 17
        parameters.p = 64
        #expect(!parameters.acceptable)
    }
}

@Suite struct BackupScheduleTests {
    func settings(_ change: (inout BackupSettings) -> Void) -> BackupSettings {
        var settings = BackupSettings()
        settings.passphrase = "sealed"
        change(&settings)
        return settings
    }

    @Test func theNextRunIsTheNextMatchingTimeInTheZone() throws {
        // Sunday 2027-01-17 08:00 UTC.
        let now = Date(timeIntervalSince1970: 1_800_000_000 + 2 * 86_400)
        #expect(BackupSchedule.next(after: now, settings { _ in }) == nil, "off")
        let daily = settings { $0.frequency = .daily; $0.time = "02:30" }
        #expect(BackupSchedule.next(after: now, daily) == Date(timeIntervalSince1970: 1_800_000_000 + 2 * 86_400 + 18 * 3_600 + 30 * 60))
        let weekly = settings { $0.frequency = .weekly; $0.day = .wednesday; $0.time = "09:00"; $0.timeZone = "Europe/Berlin" }
        // Wednesday 09:00 in Berlin (UTC+1 in January) is 08:00 UTC, three days later.
        #expect(BackupSchedule.next(after: now, weekly) == Date(timeIntervalSince1970: 1_800_000_000 + 5 * 86_400))
    }

    @Test func badSchedulesAreProblems() {
        #expect(settings { $0.time = "24:00" }.problems == ["backup.time: must be HH:MM, e.g. 02:30"])
        #expect(settings { $0.timeZone = "Mars/Olympus" }.problems.count == 1)
        #expect(settings { $0.frequency = .daily; $0.passphrase = nil }.problems.first?.hasPrefix("backup.passphrase") == true)
        #expect(settings { $0.directory = "relative/dir" }.problems.first?.hasPrefix("backup.directory") == true)
        #expect(settings { $0.keep = 0 }.problems.first?.hasPrefix("backup.keep") == true)
    }

    @Test func onlyPlainNamesInTheDirectoryAreBackups() {
        #expect(Backups.isPlainName("portcullis-20270117-080000-cdr.pcbk"))
        #expect(!Backups.isPlainName("../secrets.key") && !Backups.isPlainName("/etc/passwd") && !Backups.isPlainName(".hidden.pcbk"))
        #expect(!Backups.isPlainName("portcullis.sqlite"))
    }
}
