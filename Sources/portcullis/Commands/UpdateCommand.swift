import AdminAPI
import ArgumentParser
import Foundation
import Model
import Update

struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "The signed update check (it never installs anything).",
                                                    subcommands: [Check.self, Settings.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Look at the release feed now.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let result = try await withClient(data) { try await $0.send(Endpoints.checkForUpdate) }
            if output.json { return try Output.json(result) }
            if let problem = result.problem { throw ValidationError("running \(result.running); \(problem)") }
            if result.newer, let offered = result.offered {
                print("Portcullis \(offered) is available (running \(result.running)): \(result.notes ?? "")")
            } else {
                print("up to date: running \(result.running)" + (result.offered.map { ", the feed offers \($0)" } ?? ""))
            }
        }
    }

    struct Settings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "settings", abstract: "Show or change the update check's settings.",
                                                        subcommands: [Show.self, Set.self], defaultSubcommand: Show.self)

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the settings.")
            @OptionGroup var data: DataDirectoryOptions
            @OptionGroup var output: OutputOptions

            func run() async throws {
                let overview = try await withClient(data) { try await $0.send(Endpoints.update) }
                if output.json { return try Output.json(overview) }
                let settings = overview.settings
                let when = settings.frequency == .daily ? "daily" : "weekly on \(settings.day.rawValue)"
                print("running \(overview.running); " + (settings.mode == .never ? "never checks" : "checks \(when) at \(settings.time) \(settings.timeZone) and notifies")
                    + (overview.nextCheck.map { ", next \(Output.time($0))" } ?? ""))
                print("feed \(settings.feed); key \(settings.publicKey == nil ? "built in" : "configured")")
                if let lastCheck = overview.lastCheck { print("last check \(Output.time(lastCheck)): \(overview.lastResult ?? "")") }
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Change the settings; what is not given stays.")
            @OptionGroup var data: DataDirectoryOptions
            @Option(help: "never or notify.") var mode: UpdateSettings.Mode?
            @Option(help: "The release feed's https:// address.") var feed: String?
            @Option(help: "Another release key: a raw Ed25519 public key in base64 (\"\" for the built-in one).") var publicKey: String?
            @Option(help: "A PEM file of the CA that signed the feed's certificate (\"\" for the system's).") var caFile: String?
            @Option(help: "Check every day at HH:MM.") var daily: String?
            @Option(help: "Check every week: \"DAY HH:MM\".") var weekly: String?
            @Option(help: "A time zone such as Europe/London.") var timeZone: String?

            func run() async throws {
                let settings = try await withClient(data) { client in
                    var settings = try await client.send(Endpoints.update).settings
                    if let mode { settings.mode = mode }
                    if let feed { settings.feed = feed }
                    if let publicKey { settings.publicKey = publicKey.isEmpty ? nil : publicKey }
                    if let caFile { settings.caFile = caFile.isEmpty ? nil : URL(fileURLWithPath: caFile).standardizedFileURL.path }
                    if let daily {
                        settings.frequency = .daily
                        settings.time = daily
                    }
                    if let weekly {
                        guard let (day, time) = ClockTime.weekly(weekly) else {
                            throw ValidationError("--weekly: give a day and a time, e.g. \"monday 03:00\"")
                        }
                        settings.frequency = .weekly
                        settings.day = day
                        settings.time = time
                    }
                    if let timeZone { settings.timeZone = timeZone }
                    return try await client.send(Endpoints.changeUpdateSettings, body: settings)
                }
                print(settings.mode == .never ? "update check off" : "update check on (\(settings.frequency.rawValue))")
            }
        }
    }
}

extension UpdateSettings.Mode: ExpressibleByArgument {}
