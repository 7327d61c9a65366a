import AdminAPI
import ArgumentParser
import Foundation
import Mail

struct SMTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "smtp", abstract: "The mail server for login codes, login links and notifications.",
                                                    subcommands: [Show.self, Set.self, Test.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the mail server settings (never the password).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let view = try await withClient(data) { try await $0.send(Endpoints.smtp) }
            if output.json { return try Output.json(view) }
            let settings = view.settings
            guard settings.isConfigured else { return print("no mail server configured") }
            print("\(settings.host):\(settings.port) \(settings.security.rawValue), from \(settings.from)"
                  + (settings.username.map { ", as \($0) (password \(view.passwordSet ? "set" : "not set"))" } ?? ""))
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Configure the mail server; what is not given stays.")
        @OptionGroup var data: DataDirectoryOptions
        @Option var host: String?
        @Option var port: Int?
        @Option(help: "starttls (default, port 587), tls (port 465) or none.") var security: String?
        @Option var username: String?
        @Option(help: "A file holding the password (kept out of the shell history).") var passwordFile: String?
        @Option(help: "The sender address.") var from: String?
        @Option(help: "A PEM file of the CA that signed the server's certificate.") var caFile: String?
        @Option(help: "Seconds a connection and each reply may take.") var timeout: Int?
        @Option(help: "Further attempts after a failure.") var retries: Int?

        func run() async throws {
            let password = try SecretFile.read(passwordFile, option: "--password-file")
            var choice: SMTPSettings.Security?
            if let security {
                guard let value = SMTPSettings.Security(rawValue: security) else { throw ValidationError("--security: must be starttls, tls or none") }
                choice = value
            }
            try await withClient(data) { client in
                var settings = try await client.send(Endpoints.smtp).settings
                if let host { settings.host = host }
                if let port { settings.port = port }
                if let choice { settings.security = choice }
                if let username { settings.username = username.isEmpty ? nil : username }
                settings.password = password
                if let from { settings.from = from }
                if let caFile { settings.caFile = caFile.isEmpty ? nil : caFile }
                if let timeout { settings.timeout = timeout }
                if let retries { settings.retries = retries }
                _ = try await client.send(Endpoints.updateSMTP, body: settings)
            }
            print("mail server updated")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a test message and report the outcome.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "The recipient.") var to: String

        func run() async throws {
            _ = try await withClient(data) { try await $0.send(Endpoints.testSMTP, body: SMTPTestRequest(to: to)) }
            print("test message sent to \(to)")
        }
    }
}
