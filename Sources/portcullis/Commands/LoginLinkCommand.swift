import AdminAPI
import ArgumentParser
import Foundation

struct LoginLinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "login-link", abstract: "One-time login links and their QR codes.",
                                                    subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a one-time login link for each user named (a newer link replaces an older one); prints the URLs.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The users.") var names: [String]
        @Flag(help: "Mail each link to its user (a welcome email).") var send = false
        @Option(help: "Write the (first) link's QR code to this SVG file.") var qr: String?

        func run() async throws {
            if qr != nil { try ConsoleContext.refuseFileAccess("--qr") }
            let request = LoginLinkRequest(users: names, send: send)
            let links = try await withClient(data) { try await $0.send(Endpoints.createLoginLinks, body: request).items }
            if let qr, let first = links.first {
                guard FileManager.default.createFile(atPath: qr, contents: Data(first.qrSVG.utf8)) else { throw ValidationError("--qr: cannot write \(qr)") }
            }
            if output.json { return try Output.json(links) }
            for link in links { print(links.count > 1 ? "\(link.username) \(link.url)" : link.url) }
        }
    }
}

struct TwoFactorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "twofactor", abstract: "Users' second factors.", subcommands: [Reset.self])

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user's authenticator app and recovery codes (a lost phone); their sessions end.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument var name: String

        func run() async throws {
            _ = try await withClient(data) { try await $0.send(Endpoints.resetTwoFactor, ["username": name]) }
            print("second factors of \(name) removed")
        }
    }
}
