import AdminAPI
import ArgumentParser
import Foundation

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Users of the admin API and the portal, and their roles.",
                                                    subcommands: [Add.self, List.self, Show.self, Update.self, Remove.self])

    /// The password from the option, or read from standard input (so it stays out of the shell history).
    static func password(_ given: String?, for name: String) throws -> String {
        if let given { return given }
        if ConsoleContext.current != nil { throw ValidationError("give the password with --password in the SSH console") }
        FileHandle.standardError.write(Data("password for \(name): ".utf8))
        return readLine(strippingNewline: true) ?? ""
    }

    static func show(_ user: UserView, json: Bool) throws {
        if json { return try Output.json(user) }
        let rows: [(String, String?)] = [
            ("user", user.username), ("role", user.role), ("name", user.name), ("email", user.email), ("mobile", user.mobile),
            ("extension", user.extension), ("source", user.source), ("created", Output.time(user.createdAt)),
            ("password changed", user.passwordChangedAt.map(Output.time)),
            ("second factor", user.totpEnrolled ? "authenticator app, \(user.recoveryCodesLeft) recovery codes left" : "none enrolled"),
            ("second factor required", user.twoFactorRequired.map { $0 ? "yes" : "no" }),
        ]
        for (label, value) in rows { if let value { print("\(label): \(value)") } }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user with a role (built-in: Administrator, Supervisor, Operator, Employee, Human Resource, Accounting; or a custom role).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "3-64 letters, digits, '.', '_' or '-'.") var name: String
        @Option(help: "The role, as the seed writes it (quote names with spaces).") var role: String
        @Option(help: "10+ characters, upper and lower case and a digit, not a common password; read from standard input when omitted.")
        var password: String?
        @Option(help: "Where login codes and links are mailed.") var email: String?
        @Option(help: "A mobile number, for notifications.") var mobile: String?
        @Option(help: "The extension this user is (an extension's user).") var `extension`: String?
        @Option(help: "The person's name.") var fullName: String?

        func run() async throws {
            var request = CreateUserRequest(username: name, role: role, password: try UserCommand.password(password, for: name), email: email,
                                            extension: `extension`)
            request.mobile = mobile
            request.name = fullName
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
            Output.table(["USER", "ROLE", "EMAIL", "EXTENSION", "2FA", "CREATED"], items.map {
                [$0.username, $0.role, $0.email ?? "", $0.extension ?? "", $0.totpEnrolled ? "app" : "", Output.time($0.createdAt)]
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one user.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument var name: String

        func run() async throws {
            try UserCommand.show(try await withClient(data) { try await $0.send(Endpoints.user, ["username": name]) }, json: output.json)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a user; what is not given stays. An empty value clears email, mobile, extension or name.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument var name: String
        @Option(help: "A new role.") var role: String?
        @Flag(help: "Set a new password (read from standard input); the user's sessions end.") var password = false
        @Option var email: String?
        @Option var mobile: String?
        @Option var `extension`: String?
        @Option(help: "The person's name.") var fullName: String?
        @Option(help: "Require a second factor for this user (true), waive it (false), whatever the role says.") var twoFactorRequired: Bool?

        func run() async throws {
            var request = UpdateUserRequest()
            request.role = role
            request.password = password ? try UserCommand.password(nil, for: name) : nil
            request.email = email
            request.mobile = mobile
            request.extensionNumber = `extension`
            request.name = fullName
            request.twoFactorRequired = twoFactorRequired
            let body = request
            let user = try await withClient(data) { try await $0.send(Endpoints.updateUser, ["username": name], body: body) }
            try UserCommand.show(user, json: output.json)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user with their tokens and sessions (not the Super Administrator).")
        @OptionGroup var data: DataDirectoryOptions
        @Argument var name: String

        func run() async throws {
            _ = try await withClient(data) { try await $0.send(Endpoints.removeUser, ["username": name]) }
            print("user \(name) removed")
        }
    }
}
