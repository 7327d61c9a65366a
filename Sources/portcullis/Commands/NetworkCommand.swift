import AdminAPI
import ArgumentParser
import Defense
import Foundation
import Model
import Yams

struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network", abstract: "Network defense: allow list, static rules, allowed countries, auto-defense rules.",
        subcommands: [Show.self, Apply.self, Allow.self, Countries.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the network settings as YAML (the network: section of config export).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let settings = try await withClient(data) { try await $0.send(Endpoints.networkSettings) }
            if output.json { return try Output.json(settings) }
            print(try YAMLEncoder().encode(settings), terminator: "")
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the network settings with FILE (YAML, the fields of the network: section). An invalid file changes nothing.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "YAML file.") var file: String
        @Flag(help: "Apply even when it would cut off this machine's access to the admin API.") var force = false

        func run() async throws {
            try ConsoleContext.refuseFileAccess("FILE")
            guard let yaml = try? String(contentsOfFile: file, encoding: .utf8) else { throw ValidationError("cannot read \(file)") }
            let settings: NetworkSettings
            do {
                settings = try YAMLDecoder().decode(NetworkSettings.self, from: yaml)
            } catch let error as DecodingError {
                throw ValidationError("\(file): \(error.readable)")
            } catch {
                throw ValidationError("\(file): not valid YAML: \(error)")
            }
            _ = try await withClient(data) { try await $0.send(Endpoints.updateNetworkSettings, query: force ? [("force", "true")] : [], body: settings) }
            print("applied \(file)")
        }
    }

    struct Allow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or remove an allow-list entry (address, CIDR range or domain name): never blocked, never checked.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "add or remove") var action: String
        @Argument(help: "Address, CIDR range or domain name.") var entry: String

        func run() async throws {
            guard ["add", "remove"].contains(action) else { throw ValidationError("give add or remove") }
            try await withClient(data) { client in
                var settings = try await client.send(Endpoints.networkSettings)
                if action == "add" {
                    guard !settings.allow.contains(entry) else { throw AdminError(.conflict, "\(entry) is already on the allow list") }
                    settings.allow.append(entry)
                } else {
                    guard settings.allow.contains(entry) else { throw AdminError(.notFound, "\(entry) is not on the allow list") }
                    settings.allow.removeAll { $0 == entry }
                }
                _ = try await client.send(Endpoints.updateNetworkSettings, body: settings)
            }
            print(action == "add" ? "allowed \(entry)" : "removed \(entry) from the allow list")
        }
    }

    struct Countries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn the allowed-countries rule of a service on or off. Loopback, private ranges and the allow list are exempt.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "sip or api") var service: String
        @Flag(exclusivity: .exclusive, help: "Turn the rule on or off.") var state: RuleState
        @Option(help: "Allowed countries, ISO 3166-1 codes separated by commas (e.g. GB,IE,FR); replaces the list.") var allow: String?
        @Flag(help: "Enable even when it would cut off this machine's access to the admin API.") var force = false

        enum RuleState: String, EnumerableFlag { case enable, disable }

        func run() async throws {
            guard ["sip", "api"].contains(service) else { throw ValidationError("service must be sip or api") }
            let codes = allow.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() } }
            let settings = try await withClient(data) { client in
                var settings = try await client.send(Endpoints.networkSettings)
                var rule = service == "sip" ? settings.countries.sip : settings.countries.api
                rule.enabled = state == .enable
                if let codes { rule.allow = codes }
                if service == "sip" { settings.countries.sip = rule } else { settings.countries.api = rule }
                return try await client.send(Endpoints.updateNetworkSettings, query: force ? [("force", "true")] : [], body: settings)
            }
            let rule = service == "sip" ? settings.countries.sip : settings.countries.api
            print("\(service): allowed countries \(rule.enabled ? "on" : "off") (\(rule.allow.joined(separator: ", ")))")
        }
    }
}
