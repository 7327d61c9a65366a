import AdminAPI
import ArgumentParser
import Events
import Foundation

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The event log: list (the default), mark read or unread, download, retention.",
                                                    subcommands: [List.self, Read.self, Unread.self, Download.self, RetentionCommand.self],
                                                    defaultSubcommand: List.self)

    /// The filters every reading of the log takes.
    struct Filters: ParsableArguments {
        @Option(help: "From this time: ISO 8601 or a duration back from now (30s, 15m, 2h, 7d).") var since: String?
        @Option(help: "Up to this time, same forms as --since.") var until: String?
        @Option(help: "Event name, e.g. \"Extension Registration Failed\"; repeatable.") var name: [String] = []
        @Option(help: "operations, telephony, system or security.") var type: String?
        @Option(help: "The defense layer: system, registration, network, login or call.") var category: String?
        @Option(help: "information, warning or alert.") var level: String?
        @Option(help: "read or unread.") var status: String?

        func parameters(limit: Int) -> [(String, String)] {
            var parameters: [(String, String)] = [("limit", String(limit))]
            if let since { parameters.append(("since", since)) }
            if let until { parameters.append(("until", until)) }
            parameters += name.map { ("name", $0) }
            if let type { parameters.append(("type", type)) }
            if let category { parameters.append(("category", category)) }
            if let level { parameters.append(("level", level)) }
            if let status { parameters.append(("status", status)) }
            return parameters
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Query the event log, newest first.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var filters: Filters
        @Option(help: "Most events to show (1-10000).") var limit = 100

        func run() async throws {
            let items = try await withClient(data) { try await $0.send(Endpoints.events, query: filters.parameters(limit: limit)).items }
            if output.json { return try Output.json(items) }
            Output.table(["ID", "TIME", "TYPE", "LEVEL", "STATUS", "EVENT", "DETAILS"], items.map { event in
                [event.id.map(String.init) ?? "", Output.time(event.time), event.type, event.level, event.read ? "read" : "unread", event.name,
                 event.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
            })
        }
    }

    struct Read: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark events read: the ids given, or --all.")
        @OptionGroup var marking: Marking

        func run() async throws { try await marking.mark(Endpoints.markEventsRead, word: "read") }
    }

    struct Unread: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark events unread: the ids given, or --all.")
        @OptionGroup var marking: Marking

        func run() async throws { try await marking.mark(Endpoints.markEventsUnread, word: "unread") }
    }

    /// Which events `read` and `unread` mark.
    struct Marking: ParsableArguments {
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "Event ids (the ID column of events list).") var ids: [Int64] = []
        @Flag(help: "Every event.") var all = false

        func mark(_ endpoint: AdminEndpoint<EventMarking, EventMarkingResult>, word: String) async throws {
            guard all != !ids.isEmpty else { throw ValidationError("give event ids or --all") }
            let result = try await withClient(data) { try await $0.send(endpoint, body: EventMarking(ids: ids, all: all)) }
            print("\(result.changed) event\(result.changed == 1 ? "" : "s") marked \(word)")
        }
    }

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the events matching the filters as CSV or JSON, to a file or standard output.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var filters: Filters
        @Option(help: "csv or json.") var format = "csv"
        @Option(help: "The file to write (default: standard output).") var output: String?
        @Option(help: "Most events (1-10000).") var limit = 10_000

        func validate() throws { guard ["csv", "json"].contains(format) else { throw ValidationError("--format is csv or json") } }

        func run() async throws {
            if output != nil { try ConsoleContext.refuseFileAccess("--output") }
            let items = try await withClient(data) { try await $0.send(Endpoints.events, query: filters.parameters(limit: limit)).items }
            let text = format == "csv" ? EventView.csv(items) : String(decoding: try Output.jsonData(items), as: UTF8.self) + "\n"
            if let output {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output))
                print("wrote \(items.count) events to \(output)")
            } else {
                print(text, terminator: "")
            }
        }
    }

    struct RetentionCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retention", abstract: "How long the log keeps events, and what it removed.",
                                                        subcommands: [Show.self, Set.self], defaultSubcommand: Show.self)

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the retention and what it has removed.")
            @OptionGroup var data: DataDirectoryOptions
            @OptionGroup var output: OutputOptions

            func run() async throws {
                let view = try await withClient(data) { try await $0.send(Endpoints.eventRetention) }
                if output.json { return try Output.json(view) }
                Show.print(view)
            }

            static func print(_ view: RetentionView) {
                let retention = view.retention
                Swift.print("events are kept \(retention.maxAgeDays) days, security events \(retention.securityMaxAgeDays) days, at most \(retention.maxEvents) events")
                let last = view.report.lastRun.map { "last pass \(Output.time($0)) removed \(view.report.lastRemoved); " } ?? ""
                Swift.print("\(last)removed in all: \(view.report.totalRemoved)")
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Change the retention (what is not given stays) and apply it now.")
            @OptionGroup var data: DataDirectoryOptions
            @Option(help: "Days other events are kept (1-3650).") var maxAgeDays: Int?
            @Option(help: "Days security events are kept (not less than --max-age-days).") var securityMaxAgeDays: Int?
            @Option(help: "Most events kept; past it the oldest other events go first.") var maxEvents: Int?

            func run() async throws {
                let view = try await withClient(data) { client in
                    var retention = try await client.send(Endpoints.eventRetention).retention
                    if let maxAgeDays { retention.maxAgeDays = maxAgeDays }
                    if let securityMaxAgeDays { retention.securityMaxAgeDays = securityMaxAgeDays }
                    if let maxEvents { retention.maxEvents = maxEvents }
                    return try await client.send(Endpoints.updateEventRetention, body: retention)
                }
                Show.print(view)
            }
        }
    }
}
