import AdminAPI
import ArgumentParser
import Foundation

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Users of the admin API and their roles.",
                                                    subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user with a built-in role (Administrator, Supervisor, Operator, Employee, Human Resource, Accounting).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "3-64 letters, digits, '.', '_' or '-'.") var name: String
        @Option(help: "The role, as the seed writes it (quote names with spaces).") var role: String
        @Option(help: "10+ characters, upper and lower case and a digit, not a common password; read from standard input when omitted.")
        var password: String?

        func run() async throws {
            if password == nil { FileHandle.standardError.write(Data("password for \(name): ".utf8)) }
            let request = CreateUserRequest(username: name, role: role, password: password ?? readLine(strippingNewline: true) ?? "")
            let user = try await withClient(data) { try await $0.send(Endpoints.createUser, body: request) }
            if output.json { return try Output.json(user) }
            print("user \(user.username) added as \(user.role)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users and their roles (never their passwords).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let items = try await withClient(data) { try await $0.send(Endpoints.users).items }
            if output.json { return try Output.json(items) }
            Output.table(["USER", "ROLE", "CREATED"], items.map { [$0.username, $0.role, Output.time($0.createdAt)] })
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user (not the Super Administrator).")
        @OptionGroup var data: DataDirectoryOptions
        @Argument var name: String

        func run() async throws {
            _ = try await withClient(data) { try await $0.send(Endpoints.removeUser, ["username": name]) }
            print("user \(name) removed")
        }
    }
}
