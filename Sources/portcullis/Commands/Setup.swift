import AdminAPI
import ArgumentParser
import Foundation

struct Setup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the Super Administrator with the one-time setup token written at first start; prints an API token.")
    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "The setup token; read from the data directory's setup-token file when omitted.") var token: String?
    @Option var username: String
    @Option(help: "10+ characters with upper and lower case and a digit, not a common password; read from standard input when omitted.")
    var password: String?

    func run() async throws {
        if password == nil { FileHandle.standardError.write(Data("password for \(username) (10+ characters, upper, lower, digits): ".utf8)) }
        let secret = password ?? readLine(strippingNewline: true) ?? ""
        guard let setupToken = token ?? (try? String(contentsOfFile: data.setupTokenPath, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) else {
            throw ValidationError("no --token given and no setup token in \(data.setupTokenPath) (an administrator may exist already)")
        }
        let created = try await withClient(data) {
            try await $0.send(Endpoints.setup, body: SetupRequest(setupToken: setupToken, username: username, password: secret))
        }
        print("Super Administrator \(username) created. API token (shown once):")
        print(created.token)
    }
}
