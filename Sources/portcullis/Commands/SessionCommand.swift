import AdminAPI
import ArgumentParser

struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "session", abstract: "Logged-in sessions of the portal and API.",
                                                    subcommands: [List.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sessions (from this machine: every user's).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only this user's sessions.") var user: String?

        func run() async throws {
            let items = try await withClient(data) { try await $0.send(Endpoints.sessions, query: [("all", "true")]).items }
                .filter { user == nil || $0.username == user }
            if output.json { return try Output.json(items) }
            Output.table(["ID", "USER", "FROM", "METHOD", "STARTED", "LAST SEEN", "ENDS"], items.map {
                [$0.id, $0.username, $0.address, $0.method, Output.time($0.createdAt), Output.time($0.lastSeenAt), Output.time($0.expiresAt)]
            })
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a session by id: its next request is refused.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "The session's id (session list).") var id: String

        func run() async throws {
            _ = try await withClient(data) { try await $0.send(Endpoints.revokeSession, ["id": id]) }
            print("session \(id) ended")
        }
    }
}
