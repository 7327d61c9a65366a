import AdminAPI
import ArgumentParser
import Model
import Storage

/// The outbound restrictions as options, shared by add and update.
struct OutboundRuleOptions: ParsableArguments {
    @Flag(inversion: .prefixedEnableDisable, help: "Outbound calls (emergency numbers always go out).") var outbound: Bool?
    @Flag(inversion: .prefixedEnableDisable, help: "Outbound calls outside business hours.") var outboundOutsideHours: Bool?
    @Flag(inversion: .prefixedEnableDisable, help: "International calls.") var international: Bool?
    @Option(help: "Seconds an outbound call may last (0: the global limit).") var maxCallDuration: Int?
    @Option(help: "Call frequency rule (see `outbound frequency`; empty: default).") var frequencyRule: String?

    var isEmpty: Bool { outbound == nil && outboundOutsideHours == nil && international == nil && maxCallDuration == nil && frequencyRule == nil }

    func applied(to rules: ExtensionCallRules) -> ExtensionCallRules {
        var rules = rules
        if let outbound { rules.disableOutbound = !outbound }
        if let outboundOutsideHours { rules.disableOutsideBusinessHours = !outboundOutsideHours }
        if let international { rules.disallowInternational = !international }
        if let maxCallDuration { rules.maxCallDuration = maxCallDuration == 0 ? nil : maxCallDuration }
        if let frequencyRule { rules.frequencyRule = frequencyRule.isEmpty ? nil : frequencyRule }
        return rules
    }
}

struct ExtensionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extension", abstract: "Add, list, show, update and remove extensions.",
        subcommands: [Add.self, List.self, Show.self, Update.self, Remove.self])

    /// A generated password is printed this once; the server keeps only its digests.
    static func report(_ result: ExtensionWithSecret, done: String, output: OutputOptions) throws {
        if output.json { return try Output.json(result) }
        print("extension \(result.extension.number) \(done)")
        if let generated = result.password { print("password: \(generated)  (shown once, store it now)") }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an extension; without --password a strong one is generated and printed once.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Extension number (1-15 digits).") var number: String
        @Option(help: "User name the devices authenticate with (default: the number).") var registrationName: String?
        @Option(help: "SIP password (10+ characters, upper and lower case and digits).") var password: String?
        @Option(help: "Display name.") var name: String?
        @Option(name: .customLong("user-agent"), help: "Only devices whose User-Agent starts with this may register (repeatable).")
        var userAgents: [String] = []
        @Option(name: .customLong("permit"), help: "Only this address or CIDR range may register (repeatable).") var permits: [String] = []
        @Option(help: "Devices registered at once (default 1).") var maxRegistrations: Int?
        @Flag(help: "Over the limit, replace the oldest device instead of refusing the new one.") var replaceOldest = false
        @OptionGroup var rules: OutboundRuleOptions

        func run() async throws {
            let request = CreateExtensionRequest(number: number, registrationName: registrationName, name: name, password: password,
                                                 userAgentPrefixes: userAgents.isEmpty ? nil : userAgents,
                                                 permittedNetworks: permits.isEmpty ? nil : permits, maxRegistrations: maxRegistrations,
                                                 replaceOldestRegistration: replaceOldest ? true : nil,
                                                 outbound: rules.isEmpty ? nil : rules.applied(to: ExtensionCallRules()))
            let result = try await withClient(data) { try await $0.send(Endpoints.createExtension, body: request) }
            try ExtensionCommand.report(result, done: "added", output: output)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List extensions.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let items = try await withClient(data) { try await $0.send(Endpoints.extensions).items }
            if output.json { return try Output.json(items) }
            Output.table(["NUMBER", "REGISTRATION NAME", "NAME", "CONTACTS"],
                         items.map { [$0.number, $0.registrationName, $0.name ?? "", String($0.registeredContacts)] })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one extension.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument var number: String

        func run() async throws {
            let item = try await withClient(data) { try await $0.send(Endpoints.extensionView, ["number": number]) }
            if output.json { return try Output.json(item) }
            Output.table(["NUMBER", "REGISTRATION NAME", "NAME", "CONTACTS", "UPDATED"],
                         [[item.number, item.registrationName, item.name ?? "", String(item.registeredContacts), Output.time(item.updatedAt)]])
            let prefixes = item.userAgentPrefixes.joined(separator: ", ")
            print("user agents: \(item.restrictUserAgents ? prefixes : "any" + (prefixes.isEmpty ? "" : " (check off; listed: \(prefixes))"))")
            print("permitted networks: \(item.permittedNetworks.isEmpty ? "anywhere" : item.permittedNetworks.joined(separator: ", "))")
            print("devices at once: \(item.maxRegistrations)\(item.replaceOldestRegistration ? " (the oldest is replaced)" : "")")
            let rules = item.outbound
            print("outbound calls: \(rules.disableOutbound ? "disabled" : rules.disableOutsideBusinessHours ? "business hours only" : "allowed")"
                  + (rules.disallowInternational ? ", national only" : "") + (rules.maxCallDuration.map { ", at most \($0) s" } ?? "")
                  + ", frequency rule \(rules.frequencyRule ?? "default")")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an extension's names, password or registration policy.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument var number: String
        @Option(help: "New user name for authentication; needs --password or --generate-password too.") var registrationName: String?
        @Option var name: String?
        @Option var password: String?
        @Flag(help: "Generate a new password and print it once.") var generatePassword = false
        @Option(name: .customLong("user-agent"), help: "Replace the allowed User-Agent prefixes (repeatable).") var userAgents: [String] = []
        @Flag(help: "Let any device register (forgets the prefixes).") var anyUserAgent = false
        @Flag(inversion: .prefixedEnableDisable, help: "Switch the User-Agent check on or off, keeping the prefixes.")
        var userAgentCheck: Bool?
        @Option(name: .customLong("permit"), help: "Replace the permitted addresses or CIDR ranges (repeatable).") var permits: [String] = []
        @Flag(help: "Let the extension register from anywhere.") var permitAnywhere = false
        @Option(help: "Devices registered at once.") var maxRegistrations: Int?
        @Flag(inversion: .prefixedEnableDisable, help: "Over the limit, replace the oldest device instead of refusing the new one.")
        var replaceOldest: Bool?
        @OptionGroup var rules: OutboundRuleOptions

        func validate() throws {
            if anyUserAgent && !userAgents.isEmpty { throw ValidationError("give --user-agent or --any-user-agent, not both") }
            if permitAnywhere && !permits.isEmpty { throw ValidationError("give --permit or --permit-anywhere, not both") }
        }

        func run() async throws {
            var request = UpdateExtensionRequest(registrationName: registrationName, name: name, password: password,
                                                 generatePassword: generatePassword ? true : nil, restrictUserAgents: userAgentCheck,
                                                 userAgentPrefixes: anyUserAgent ? [] : (userAgents.isEmpty ? nil : userAgents),
                                                 permittedNetworks: permitAnywhere ? [] : (permits.isEmpty ? nil : permits),
                                                 maxRegistrations: maxRegistrations, replaceOldestRegistration: replaceOldest)
            let (number, rules) = (number, rules)
            let result = try await withClient(data) { client in
                if !rules.isEmpty { request.outbound = rules.applied(to: try await client.send(Endpoints.extensionView, ["number": number]).outbound) }
                return try await client.send(Endpoints.updateExtension, ["number": number], body: request)
            }
            try ExtensionCommand.report(result, done: "updated", output: output)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an extension and its registrations.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument var number: String

        func run() async throws {
            try await withClient(data) { _ = try await $0.send(Endpoints.deleteExtension, ["number": number]) }
            print("extension \(number) removed")
        }
    }
}
