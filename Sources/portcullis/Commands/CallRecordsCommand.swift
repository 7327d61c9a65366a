import AdminAPI
import ArgumentParser
import Model
import Storage

struct CallRecordsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cdr", abstract: "Call detail records.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List call records, newest first; --csv writes them as CSV.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "From this time: ISO 8601 or a duration back from now (30s, 15m, 2h, 7d).") var since: String?
        @Option(help: "Up to this time, same forms as --since.") var until: String?
        @Option(help: "Calls from or to this extension or number.") var party: String?
        @Option(help: "answered, busy, no answer, cancelled, failed or refused.") var disposition: String?
        @Option(help: "Most records to show (1-100000).") var limit = 100
        @Flag(help: "Write CSV (RFC 4180) instead of a table.") var csv = false

        func run() async throws {
            var parameters: [(String, String)] = [("limit", String(limit))]
            if let since { parameters.append(("since", since)) }
            if let until { parameters.append(("until", until)) }
            if let party { parameters.append(("party", party)) }
            if let disposition { parameters.append(("disposition", disposition)) }
            let records = try await withClient(data) { try await $0.send(Endpoints.callRecords, query: parameters).items }
            if output.json { return try Output.json(records) }
            if csv { return print(CallDetailRecord.csv(records), terminator: "") }
            Output.table(["START", "CALLER", "DIALED", "DISPOSITION", "DURATION", "HANGUP", "CAUSE"], records.map { record in
                [Output.time(record.start), record.caller, record.dialed, record.disposition.rawValue, "\(record.duration)s", record.hangupSide ?? "",
                 record.cause ?? ""]
            })
        }
    }
}
