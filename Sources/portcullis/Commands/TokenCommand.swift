import AdminAPI
import ArgumentParser

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "API tokens.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token; the secret is printed once and stored only as a hash.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "What the token is for.") var name = "cli"
        @Option(help: "How long it works: 90m, 12h, 30d (default: until revoked).") var expires: String?
        @Option(help: "The user it acts for, with their role (default: the Super Administrator from this machine).") var user: String?

        func run() async throws {
            var seconds: Int?
            if let expires {
                guard let duration = TimeExpression.seconds(expires), duration < Double(Int32.max) else {
                    throw ValidationError("--expires: expected a duration like 90m, 12h, 30d")
                }
                seconds = Int(duration)
            }
            let request = CreateTokenRequest(name: name, expiresIn: seconds, user: user)
            let created = try await withClient(data) { try await $0.send(Endpoints.createToken, body: request) }
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
            Output.table(["ID", "NAME", "USER", "CREATED", "EXPIRES", "LAST USED"], items.map {
                [$0.id, $0.name, $0.user, Output.time($0.createdAt), $0.expiresAt.map(Output.time) ?? "never", $0.lastUsedAt.map(Output.time) ?? ""]
            })
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id: it is refused from the next request on.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "The token's id (token list).") var id: String

        func run() async throws {
            _ = try await withClient(data) { try await $0.send(Endpoints.revokeToken, ["id": id]) }
            print("token \(id) revoked")
        }
    }
}
