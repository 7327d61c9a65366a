import AdminAPI
import ArgumentParser

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "API tokens.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token; the secret is printed once and stored only as a hash.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "What the token is for.") var name = "cli"

        func run() async throws {
            let created = try await withClient(data) { try await $0.send(Endpoints.createToken, body: CreateTokenRequest(name: name)) }
            if output.json { return try Output.json(created) }
            print(created.token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API tokens (never their secrets).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let items = try await withClient(data) { try await $0.send(Endpoints.tokens).items }
            if output.json { return try Output.json(items) }
            Output.table(["ID", "NAME", "ROLE", "CREATED"], items.map { [$0.id, $0.name, $0.role, Output.time($0.createdAt)] })
        }
    }
}
