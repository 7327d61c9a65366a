import AdminAPI
import ArgumentParser

struct RoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "role", abstract: "Roles: the built-in ones and custom roles from permission categories.",
                                                    subcommands: [List.self, Add.self, Remove.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List roles with their permissions and extension scope.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let items = try await withClient(data) { try await $0.send(Endpoints.roles).items }
            if output.json { return try Output.json(items) }
            Output.table(["ROLE", "KIND", "SCOPE", "PERMISSIONS"], items.map {
                [$0.name, $0.builtIn ? "built-in" : "custom", $0.scope, $0.permissions.joined(separator: ", ")]
            })
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a custom role (Super Administrator only).")
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "The role's name.") var name: String
        @Option(name: .customLong("permission"), help: ArgumentHelp("CATEGORY:view or CATEGORY:manage, repeatable; categories: Extensions and Trunks, Call Control, Call Features, Reports and Recordings, PBX Settings, System, Security, Maintenance, Integration.", valueName: "CATEGORY:ACCESS"))
        var permissions: [String] = []
        @Option(help: "Extensions the role reaches: all, or numbers and ranges such as 100-199,250.") var scope = "all"

        func run() async throws {
            let request = CreateRoleRequest(name: name, permissions: permissions, scope: scope)
            _ = try await withClient(data) { try await $0.send(Endpoints.createRole, body: request) }
            print("role \(name) added")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a custom role that no user has.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument var name: String

        func run() async throws {
            _ = try await withClient(data) { try await $0.send(Endpoints.removeRole, ["name": name]) }
            print("role \(name) removed")
        }
    }
}
