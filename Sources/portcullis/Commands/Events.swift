import AdminAPI
import ArgumentParser

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Query the event log, newest first.")
    @OptionGroup var data: DataDirectoryOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "From this time: ISO 8601 or a duration back from now (30s, 15m, 2h, 7d).") var since: String?
    @Option(help: "Up to this time, same forms as --since.") var until: String?
    @Option(help: "Event name, e.g. \"Extension Registration Failed\"; repeatable.") var name: [String] = []
    @Option(help: "system, registration, network, login or call.") var category: String?
    @Option(help: "info, notice, warning or alert.") var level: String?
    @Option(help: "Most events to show (1-10000).") var limit = 100

    func run() async throws {
        var parameters: [(String, String)] = [("limit", String(limit))]
        if let since { parameters.append(("since", since)) }
        if let until { parameters.append(("until", until)) }
        parameters += name.map { ("name", $0) }
        if let category { parameters.append(("category", category)) }
        if let level { parameters.append(("level", level)) }
        let items = try await withClient(data) { try await $0.send(Endpoints.events, query: parameters).items }
        if output.json { return try Output.json(items) }
        Output.table(["TIME", "LEVEL", "EVENT", "DETAILS"], items.map { event in
            [Output.time(event.time), event.level, event.name,
             event.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
        })
    }
}
