import AdminAPI
import ArgumentParser
import Defense
import PBX

/// Prints what a routing change left, or the whole routing as JSON.
private func report(_ routing: RoutingSettings, _ message: String, output: OutputOptions) throws {
    if output.json { return try Output.json(routing) }
    print(message)
}

struct TrunkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trunk", abstract: "SIP trunks to providers.",
                                                    subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a trunk: a registration trunk with --username/--password, a peer trunk (known by its address) without.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument var name: String
        @Option(help: "The provider's HOST:PORT.") var host: String
        @Option(help: "Account at the provider.") var username: String?
        @Option(help: "Password at the provider (kept to answer its challenges, never shown).") var password: String?
        @Option(help: "Concurrent calls the trunk takes; over it the route's next trunk is tried.") var maxCalls: Int?
        @Option(help: "Which calls count towards --max-calls: outbound, inbound or both.") var maxCallsDirection: CallDirection = .both

        func run() async throws {
            let trunk = TrunkSettings(name: name, host: host, username: username, password: password, maxCalls: maxCalls,
                                      maxCallsDirection: maxCallsDirection)
            try report(try await withClient(data) { try await $0.send(Endpoints.addTrunk, body: trunk) }, "trunk \(name) added", output: output)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List trunks.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let trunks = try await withClient(data) { try await $0.send(Endpoints.routing) }.trunks
            if output.json { return try Output.json(trunks) }
            Output.table(["NAME", "HOST", "TYPE", "USERNAME", "STATUS"], trunks.map {
                [$0.name, $0.host, $0.registers ? "register" : "peer", $0.username ?? "", $0.status ?? ""]
            })
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a trunk no route uses.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument var name: String

        func run() async throws {
            try report(try await withClient(data) { try await $0.send(Endpoints.removeTrunk, ["name": name]) }, "trunk \(name) removed", output: output)
        }
    }
}

struct RouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "route", abstract: "Outbound routes: dial patterns to trunks.",
                                                    subcommands: [Add.self, List.self, Move.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an outbound route after the existing ones (the first route that matches and permits the caller decides).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument var name: String
        @Option(help: "Dial pattern: digits, X (0-9), Z (1-9), N (2-9), [1-5], trailing . (one or more) or ! (zero or more); repeatable.")
        var pattern: [String] = []
        @Option(help: "Digits to strip from the front of the dialed number.") var strip = 0
        @Option(help: "Digits to put in front after stripping.") var prepend = ""
        @Option(help: "Trunk to send through, in failover order; repeatable.") var trunk: [String] = []
        @Option(help: "Extension allowed to use the route; repeatable (none given, nor a group: every extension).") var `extension`: [String] = []
        @Option(help: "Extension group allowed to use the route; repeatable.") var group: [String] = []
        @Option(help: "Time condition: the route is usable only while it is open.") var hours: String?
        @Option(help: "One PIN (3-15 digits) callers key before the call goes out.") var pin: String?
        @Option(name: .customLong("pin-entry"), help: "A PIN of the route's list, PIN or PIN:LABEL; repeatable.") var pinEntries: [String] = []
        @Flag(help: "Record the PIN list entry used (its label, else the PIN) in the CDR.") var recordPin = false

        func validate() throws { if pin != nil && !pinEntries.isEmpty { throw ValidationError("give --pin or --pin-entry, not both") } }

        func run() async throws {
            let entries = pinEntries.map { text in
                let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
                return RoutePIN.Entry(pin: parts.first ?? "", label: parts.count > 1 ? parts[1] : nil)
            }
            let routePIN = pin.map { RoutePIN(mode: .single, pin: $0, record: recordPin) }
                ?? (entries.isEmpty ? RoutePIN() : RoutePIN(mode: .list, pins: entries, record: recordPin))
            let route = OutboundRoute(name: name, patterns: pattern.map { RoutePattern(pattern: $0, strip: strip, prepend: prepend) },
                                      trunks: trunk, extensions: `extension`, groups: group, hours: hours, pin: routePIN)
            try report(try await withClient(data) { try await $0.send(Endpoints.addRoute, body: route) }, "route \(name) added", output: output)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List outbound routes in the order they are tried.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let routes = try await withClient(data) { try await $0.send(Endpoints.routing) }.routes
            if output.json { return try Output.json(routes) }
            Output.table(["NAME", "PATTERNS", "TRUNKS", "EXTENSIONS"], routes.map { route in
                [route.name, route.patterns.map { "\($0.pattern) (-\($0.strip) +\($0.prepend))" }.joined(separator: ", "),
                 route.trunks.joined(separator: ", "), route.extensions.isEmpty ? "all" : route.extensions.joined(separator: ", ")]
            })
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put an outbound route at a position in the order they are tried (1 first).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument var name: String
        @Option(help: "1 for first.") var position: Int

        func run() async throws {
            let moved = try await withClient(data) { try await $0.send(Endpoints.moveRoute, ["name": name], body: RouteMove(position: position - 1)) }
            try report(moved, "route \(name) is now number \(position)", output: output)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an outbound route.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument var name: String

        func run() async throws {
            try report(try await withClient(data) { try await $0.send(Endpoints.removeRoute, ["name": name]) }, "route \(name) removed", output: output)
        }
    }
}

struct InboundRouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inbound-route", abstract: "Inbound routes: numbers from trunks to extensions.",
                                                    subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send calls from trunks whose number matches the DID pattern to an extension.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument var name: String
        @Option(help: "DID pattern (same syntax as route patterns).") var did: String
        @Option(help: "The extension that rings.") var `extension`: String

        func run() async throws {
            let route = InboundRoute(name: name, did: did, extension: `extension`)
            try report(try await withClient(data) { try await $0.send(Endpoints.addInboundRoute, body: route) }, "inbound route \(name) added", output: output)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List inbound routes in the order they are tried.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let routes = try await withClient(data) { try await $0.send(Endpoints.routing) }.inboundRoutes
            if output.json { return try Output.json(routes) }
            Output.table(["NAME", "DID", "EXTENSION"], routes.map { [$0.name, $0.did, $0.extension] })
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an inbound route.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument var name: String

        func run() async throws {
            try report(try await withClient(data) { try await $0.send(Endpoints.removeInboundRoute, ["name": name]) }, "inbound route \(name) removed",
                       output: output)
        }
    }
}
