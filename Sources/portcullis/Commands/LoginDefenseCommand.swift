import AdminAPI
import ArgumentParser
import Defense
import Foundation

struct LoginDefenseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login-defense", abstract: "The login lockout, sessions and second-factor policy of the portal and API (login).",
        subcommands: [Show.self, Set.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the login defense.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let settings = try await withClient(data) { try await $0.send(Endpoints.loginDefense) }
            if output.json { return try Output.json(settings) }
            print("""
                an address is refused logins for \(settings.refusalDuration) s after \(settings.failuresBeforeRefusal) failures within \(settings.window) s, \
                and blocked (Web Login, first for \(settings.blockDuration) s) after \(settings.failuresBeforeBlock)
                an account's password login is locked for \(settings.accountLockDuration) s after \(settings.failuresPerAccount) failures within \
                \(settings.accountWindow) s from any addresses
                an address is blocked (API Authentication) after \(settings.tokenFailuresBeforeBlock) bad API tokens in a row
                sessions end after \(settings.sessionIdleMinutes) min idle, \(settings.sessionLifetimeHours) h at most; login links work \(settings.loginLinkHours) h
                a second factor is required for: \(settings.twoFactorRoles.isEmpty ? "no role" : settings.twoFactorRoles.joined(separator: ", "))
                """)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change the login defense; what is not given stays. Live at once.")
        @OptionGroup var data: DataDirectoryOptions
        @Option var failuresBeforeRefusal: Int?
        @Option var failuresBeforeBlock: Int?
        @Option(help: "Seconds over which an address's failures count.") var window: Int?
        @Option(help: "Seconds an address is refused.") var refusalDuration: Int?
        @Option(help: "Seconds of a first block (repeats escalate).") var blockDuration: Int?
        @Option var failuresPerAccount: Int?
        @Option var accountWindow: Int?
        @Option var accountLockDuration: Int?
        @Option var tokenFailuresBeforeBlock: Int?
        @Option(help: "Minutes idle before a session ends (5-120).") var sessionIdleMinutes: Int?
        @Option(help: "Hours a session lasts at most (1-168).") var sessionLifetimeHours: Int?
        @Option(help: "Hours a login link works (1-720).") var loginLinkHours: Int?
        @Option(help: "Roles that must use a second factor, comma-separated ('' for none).") var twoFactorRoles: String?

        func run() async throws {
            try await withClient(data) { client in
                var settings = try await client.send(Endpoints.loginDefense)
                let changes: [(WritableKeyPath<LoginDefenseSettings, Int>, Int?)] = [
                    (\.failuresBeforeRefusal, failuresBeforeRefusal), (\.failuresBeforeBlock, failuresBeforeBlock), (\.window, window),
                    (\.refusalDuration, refusalDuration), (\.blockDuration, blockDuration), (\.failuresPerAccount, failuresPerAccount),
                    (\.accountWindow, accountWindow), (\.accountLockDuration, accountLockDuration),
                    (\.tokenFailuresBeforeBlock, tokenFailuresBeforeBlock), (\.sessionIdleMinutes, sessionIdleMinutes),
                    (\.sessionLifetimeHours, sessionLifetimeHours), (\.loginLinkHours, loginLinkHours),
                ]
                for (path, value) in changes { if let value { settings[keyPath: path] = value } }
                if let twoFactorRoles {
                    settings.twoFactorRoles = twoFactorRoles.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                }
                _ = try await client.send(Endpoints.updateLoginDefense, body: settings)
            }
            print("login defense updated")
        }
    }
}
