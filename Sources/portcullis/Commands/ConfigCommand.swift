import AdminAPI
import ArgumentParser
import Foundation

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Declarative configuration in YAML.",
                                                    subcommands: [Apply.self, Export.self])

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the configuration equal to FILE: extensions not listed are removed. An invalid file changes nothing.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "YAML file.") var file: String
        @Flag(help: "Apply even when the network section would cut off this machine's access to the admin API.") var force = false

        func run() async throws {
            try ConsoleContext.refuseFileAccess("FILE")
            guard let yaml = try? String(contentsOfFile: file, encoding: .utf8) else {
                Output.error("cannot read \(file)")
                throw ExitCode.failure
            }
            let result = try await withClient(data) { try await $0.send(Endpoints.applyConfiguration, query: [("file", file)] + (force ? [("force", "true")] : []), body: yaml) }
            if output.json { return try Output.json(result) }
            print("applied \(file): \(result.extensionsCreated) extension(s) created, \(result.extensionsUpdated) updated, \(result.extensionsRemoved) removed")
            if result.restartRequired { print("listener or limit changes take effect when the server restarts") }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the whole configuration as YAML, without credentials unless --include-secrets (HA1 digests).")
        @OptionGroup var data: DataDirectoryOptions
        @Flag(name: .customLong("include-secrets"), help: "Include the extensions' HA1 digests (each one logs in as its extension).")
        var includeSecrets = false

        func run() async throws {
            print(try await withClient(data) { try await $0.send(Endpoints.exportConfiguration, query: includeSecrets ? [("secrets", "true")] : []) }, terminator: "")
        }
    }
}
