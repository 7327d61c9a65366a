import AdminAPI
import ArgumentParser
import Defense

struct ScannersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scanners", abstract: "What happens to requests from known scanners, by User-Agent (sip.scanners).",
        subcommands: [Show.self, Set.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the scanner policy.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let scanners = try await withClient(data) { try await $0.send(Endpoints.registrationDefense) }.scanners
            if output.json { return try Output.json(scanners) }
            print("action: \(scanners.action.rawValue)\nuser agents: \(scanners.userAgents.joined(separator: ", "))")
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change the scanner policy. Live at once.")
        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "block (no answer, source blocked), drop (no answer) or off.") var action: String?
        @Option(name: .customLong("user-agent"), help: "Replace the list of scanner User-Agents (repeatable).") var userAgents: [String] = []

        func run() async throws {
            var policyAction: ScannerPolicy.Action?
            if let action {
                guard let value = ScannerPolicy.Action(rawValue: action) else { throw ValidationError("--action must be block, drop or off") }
                policyAction = value
            }
            try await withClient(data) { client in
                var settings = try await client.send(Endpoints.registrationDefense)
                if let policyAction { settings.scanners.action = policyAction }
                if !userAgents.isEmpty { settings.scanners.userAgents = userAgents }
                _ = try await client.send(Endpoints.updateRegistrationDefense, body: settings)
            }
            print("scanner policy updated")
        }
    }
}
