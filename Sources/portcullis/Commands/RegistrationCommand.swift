import AdminAPI
import ArgumentParser

struct RegistrationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "registration", abstract: "Live registrations.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the contacts registered now.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let items = try await withClient(data) { try await $0.send(Endpoints.registrations).items }
            if output.json { return try Output.json(items) }
            Output.table(["EXTENSION", "CONTACT", "EXPIRES IN", "SOURCE", "USER AGENT"],
                         items.map { [$0.extension, $0.contact, "\($0.expiresIn)s", $0.source, $0.userAgent ?? ""] })
        }
    }
}
