import AdminAPI
import ArgumentParser
import Foundation

struct Setup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the Super Administrator with the one-time setup token printed at first start; prints an API token.")
    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "The setup token from the server's first start.") var token: String
    @Option var username: String
    @Option(help: "12+ characters; read from standard input when omitted.") var password: String?

    func run() async throws {
        if password == nil { FileHandle.standardError.write(Data("password for \(username) (12+ characters): ".utf8)) }
        let secret = password ?? readLine(strippingNewline: true) ?? ""
        let created = try await withClient(data) { try await $0.setup(SetupRequest(setupToken: token, username: username, password: secret)) }
        print("Super Administrator \(username) created. API token (shown once):")
        print(created.token)
    }
}
