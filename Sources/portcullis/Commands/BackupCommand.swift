import AdminAPI
import ArgumentParser
import Backup
import Foundation
import Model

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Encrypted backups: make, list, schedule, restore.",
                                                    subcommands: [Create.self, List.self, Schedule.self, Restore.self])

    /// The passphrase from a file, so it stays out of the shell history and the process list.
    struct Passphrase: ParsableArguments {
        @Option(help: "A file holding the passphrase (at least 12 characters).") var passphraseFile: String

        func read() throws -> String {
            guard let text = try SecretFile.read(passphraseFile, option: "--passphrase-file"), !text.isEmpty else {
                throw ValidationError("--passphrase-file: the file is empty")
            }
            return text
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a backup now (the configuration always; call records and events when included).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var passphrase: Passphrase
        @Option(help: "cdr, events or cdr,events.", transform: BackupCommand.parts) var include: [BackupPart] = []
        @Option(help: "Write the backup to this file instead of the backup directory.") var output: String?

        func run() async throws {
            if output != nil { try ConsoleContext.refuseFileAccess("--output") }
            var request = CreateBackupRequest()
            request.include = include
            request.passphrase = try passphrase.read()
            let file = try await withClient(data) { try await $0.send(Endpoints.createBackup, body: request) }
            guard let output else { return print("backup \(file.name) written to \(file.path) (\(file.size) bytes)") }
            let target = URL(fileURLWithPath: output).standardizedFileURL.path
            do {
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.moveItem(atPath: file.path, toPath: target)
            } catch {
                throw ValidationError("the backup is \(file.path); it could not be moved to \(target): \(error.localizedDescription)")
            }
            print("backup written to \(target) (\(file.size) bytes)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the backups and the schedule.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let overview = try await withClient(data) { try await $0.send(Endpoints.backups) }
            if output.json { return try Output.json(overview) }
            Output.table(["NAME", "SIZE", "MADE"], overview.backups.map { [$0.name, "\($0.size)", Output.time($0.modified)] })
            print("in \(overview.directory); " + Schedule.describe(overview))
        }
    }

    struct Schedule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show or set the backup schedule and directory.", subcommands: [Show.self, Set.self],
                                                        defaultSubcommand: Show.self)

        static func describe(_ overview: BackupOverview) -> String {
            let schedule = overview.schedule
            guard schedule.frequency != .off else { return "no scheduled backups" }
            let when = schedule.frequency == .daily ? "daily" : "weekly on \(schedule.day.rawValue)"
            let parts = (["configuration"] + schedule.include.map(\.rawValue)).joined(separator: ", ")
            return "scheduled \(when) at \(schedule.time) \(schedule.timeZone), keeping \(schedule.keep), with \(parts)"
                + (overview.nextScheduled.map { "; next \(Output.time($0))" } ?? "")
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the schedule.")
            @OptionGroup var data: DataDirectoryOptions

            func run() async throws {
                let overview = try await withClient(data) { try await $0.send(Endpoints.backups) }
                print(Schedule.describe(overview) + "; backups in \(overview.directory)")
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Change the schedule; what is not given stays.")
            @OptionGroup var data: DataDirectoryOptions
            @Option(help: "Every day at HH:MM.") var daily: String?
            @Option(help: "Every week: DAY HH:MM, e.g. \"sunday 02:00\".") var weekly: String?
            @Flag(help: "No scheduled backups.") var off = false
            @Option(help: "A time zone such as Europe/London (default UTC).") var timeZone: String?
            @Option(help: "Scheduled backups kept (1-365).") var keep: Int?
            @Option(help: "cdr, events or cdr,events; \"none\" for the configuration only.", transform: BackupCommand.parts) var include: [BackupPart]?
            @Option(help: "An absolute directory for backups (a mounted share is fine).") var directory: String?
            @Option(help: "A file holding the passphrase scheduled backups are encrypted with.") var passphraseFile: String?

            func run() async throws {
                guard [daily != nil, weekly != nil, off].filter({ $0 }).count <= 1 else { throw ValidationError("give one of --daily, --weekly or --off") }
                let passphrase = try SecretFile.read(passphraseFile, option: "--passphrase-file")
                let overview = try await withClient(data) { client in
                    var settings = try await client.send(Endpoints.backups).schedule
                    if let daily {
                        settings.frequency = .daily
                        settings.time = daily
                    }
                    if let weekly {
                        guard let (day, time) = ClockTime.weekly(weekly) else {
                            throw ValidationError("--weekly: give a day and a time, e.g. \"sunday 02:00\"")
                        }
                        settings.frequency = .weekly
                        settings.day = day
                        settings.time = time
                    }
                    if off { settings.frequency = .off }
                    if let timeZone { settings.timeZone = timeZone }
                    if let keep { settings.keep = keep }
                    if let include { settings.include = include }
                    if let directory { settings.directory = directory.isEmpty ? nil : directory }
                    settings.passphrase = passphrase
                    return try await client.send(Endpoints.updateBackupSchedule, body: settings)
                }
                print(Schedule.describe(overview))
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restore a backup: a file, or a name in the backup directory.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var passphrase: Passphrase
        @Argument(help: "The backup file.") var file: String

        func run() async throws {
            var request = RestoreBackupRequest()
            request.file = FileManager.default.fileExists(atPath: file) ? URL(fileURLWithPath: file).standardizedFileURL.path : file
            request.passphrase = try passphrase.read()
            let result = try await withClient(data) { try await $0.send(Endpoints.restoreBackup, body: request) }
            let parts = (["configuration"] + result.parts.map(\.rawValue)).joined(separator: ", ")
            print("restored \(result.restored) (made \(Output.time(result.created)) by Portcullis \(result.portcullisVersion)): \(parts)")
            for reason in result.restartRequired { print("restart the server to finish: \(reason)") }
        }
    }

    static func parts(_ text: String) throws -> [BackupPart] {
        if text == "none" { return [] }
        return try text.split(separator: ",").map { word in
            guard let part = BackupPart(rawValue: word.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--include: cdr, events or both (cdr,events), got '\(word.prefix(20))'")
            }
            return part
        }
    }
}
