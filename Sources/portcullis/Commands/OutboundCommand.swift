import AdminAPI
import ArgumentParser
import Defense

/// Reads the outbound policy, changes one part, and writes it back whole (the server validates all of it).
private func editPolicy(_ data: DataDirectoryOptions, output: OutputOptions, done: String,
                        _ change: @escaping @Sendable (inout OutboundPolicySettings) throws -> Void) async throws {
    let policy = try await withClient(data) { client in
        var policy = try await client.send(Endpoints.outboundPolicy)
        try change(&policy)
        return try await client.send(Endpoints.setOutboundPolicy, body: policy)
    }
    if output.json { return try Output.json(policy) }
    print(done)
}

/// Sets (replaces) or removes the entry of `items` named `name`; removing one that does not exist is an error.
private func edit<Item>(_ items: inout [Item], _ action: NamedAction, _ kind: String, named name: String, by key: KeyPath<Item, String>,
                        _ make: () -> Item) throws {
    guard action == .set || items.contains(where: { $0[keyPath: key] == name }) else { throw EditError(description: "no \(kind) named '\(name)'") }
    items.removeAll { $0[keyPath: key] == name }
    if action == .set { items.append(make()) }
}

/// Thrown inside an edit for input the policy cannot take (the server would refuse it too, less precisely).
private struct EditError: Error, CustomStringConvertible {
    let description: String
}

struct OutboundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbound",
        abstract: "The outbound call policy: emergency numbers, groups, business hours and holidays, countries, number lists, call frequency.",
        subcommands: [Show.self, Emergency.self, Group.self, Hours.self, Holiday.self, Country.self, Number.self, Frequency.self,
                      PINLockout.self, Locks.self, Unlock.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the whole policy as JSON.")
        @OptionGroup var data: DataDirectoryOptions

        func run() async throws { try Output.json(try await withClient(data) { try await $0.send(Endpoints.outboundPolicy) }) }
    }

    struct Emergency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Emergency numbers: always let out through their route, each raising an event.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "add or remove") var action: ListAction
        @Argument var numbers: [String]

        func run() async throws {
            let (action, numbers) = (action, numbers)
            try await editPolicy(data, output: output, done: "emergency numbers updated") { policy in
                if action == .add {
                    policy.emergencyNumbers += numbers.filter { !policy.emergencyNumbers.contains($0) }
                } else {
                    policy.emergencyNumbers.removeAll { numbers.contains($0) }
                }
            }
        }
    }

    struct Group: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Extension groups that routes permit as a whole.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "set or remove") var action: NamedAction
        @Argument var name: String
        @Option(help: "Member extension (repeatable).") var `extension`: [String] = []

        func run() async throws {
            let (action, name, members) = (action, name, `extension`)
            try await editPolicy(data, output: output, done: "group \(name) \(action == .set ? "set" : "removed")") { policy in
                try edit(&policy.groups, action, "group", named: name, by: \.name) { .init(name: name, extensions: members) }
            }
        }
    }

    struct Hours: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time conditions (\(TimeCondition.businessHours) is the one the extension flag uses); weekdays not given are closed.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "set or remove") var action: NamedAction
        @Argument var name: String
        @Option(help: "IANA time zone, e.g. Europe/London.") var timeZone = "UTC"
        @Option(help: "WEEKDAY=HH:MM-HH:MM[,HH:MM-HH:MM] (repeatable), e.g. monday=09:00-12:00,13:00-17:30.") var day: [String] = []

        func run() async throws {
            var days: [String: [String]] = [:]
            for entry in day {
                let parts = entry.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw ValidationError("--day takes WEEKDAY=HH:MM-HH:MM, got '\(entry)'") }
                days[String(parts[0]).lowercased(), default: []] += parts[1].split(separator: ",").map(String.init)
            }
            let (action, name, zone, week) = (action, name, timeZone, days)
            try await editPolicy(data, output: output, done: "time condition \(name) \(action == .set ? "set" : "removed")") { policy in
                try edit(&policy.timeConditions, action, "time condition", named: name, by: \.name) { TimeCondition(name: name, timeZone: zone, days: week) }
            }
        }
    }

    struct Holiday: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Holidays close every time condition: a date, an annual date, or the nth weekday of a month.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "add or remove") var action: ListAction
        @Argument var name: String
        @Option(help: "One day, YYYY-MM-DD.") var date: String?
        @Option(help: "Every year, MM-DD.") var annual: String?
        @Option(help: "With --weekday and --week: the month (1-12).") var month: Int?
        @Option(help: "monday ... sunday.") var weekday: String?
        @Option(help: "1-5, or -1 for the last.") var week: Int?

        func run() async throws {
            let holiday = Defense.Holiday(name: name, date: date, annual: annual, month: month, weekday: weekday, week: week)
            let (action, name) = (action, name)
            try await editPolicy(data, output: output, done: "holiday \(name) \(action == .add ? "added" : "removed")") { policy in
                if action == .add {
                    guard !policy.holidays.contains(where: { $0.name == name }) else { throw EditError(description: "holiday '\(name)' already exists") }
                    policy.holidays.append(holiday)
                } else {
                    guard policy.holidays.contains(where: { $0.name == name }) else { throw EditError(description: "no holiday named '\(name)'") }
                    policy.holidays.removeAll { $0.name == name }
                }
            }
        }
    }

    struct Country: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allowed countries for international calls (ISO codes), the switch and the prefix.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "allow, disallow, enable or disable") var action: CountryAction
        @Argument(help: "ISO country codes (allow, disallow).") var countries: [String] = []
        @Option(help: "International dialing prefix: 00, 011 or +.") var prefix: String?

        func run() async throws {
            let (action, countries, prefix) = (action, countries.map { $0.uppercased() }, prefix)
            try await editPolicy(data, output: output, done: "countries updated") { policy in
                switch action {
                case .allow: policy.countries.allowed += countries.filter { !policy.countries.allowed.contains($0) }
                case .disallow: policy.countries.allowed.removeAll { countries.contains($0) }
                case .enable, .disable: policy.countries.enabled = action == .enable
                }
                if let prefix { policy.countries.internationalPrefix = prefix }
            }
        }
    }

    struct Number: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Blocked and allowed numbers or patterns (allowed overrides blocked).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "block, allow or remove") var action: NumberAction
        @Argument(help: "Number or dial pattern.") var pattern: String
        @Option(help: "outbound, inbound or both.") var direction: CallDirection = .both

        func run() async throws {
            let (action, pattern, direction) = (action, pattern, direction)
            try await editPolicy(data, output: output, done: "number list updated") { policy in
                policy.numbers.removeAll { $0.pattern == pattern }
                if action != .remove { policy.numbers.append(NumberListEntry(pattern: pattern, list: action == .block ? .blocked : .allowed, direction: direction)) }
            }
        }
    }

    struct Frequency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Call frequency rules; `default` applies to extensions that name none.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "set or remove") var action: NamedAction
        @Argument var name: String
        @Option(help: "CALLS/PERIOD with s or m, e.g. 5/1s or 100/60m (repeatable).") var limit: [String] = []
        @Flag(help: "Exceeding it locks the extension's outbound calls until an administrator unlocks them.") var lock = false

        func run() async throws {
            let limits = try limit.map { text -> FrequencyRule.Limit in
                let parts = text.split(separator: "/")
                guard parts.count == 2, let calls = Int(parts[0]), let unit = parts[1].last, "sm".contains(unit), let period = Int(parts[1].dropLast()) else {
                    throw ValidationError("--limit takes CALLS/PERIOD like 5/1s or 100/60m, got '\(text)'")
                }
                return unit == "s" ? .init(calls: calls, seconds: period) : .init(calls: calls, minutes: period)
            }
            let (action, name, lock) = (action, name, lock)
            try await editPolicy(data, output: output, done: "frequency rule \(name) \(action == .set ? "set" : "removed")") { policy in
                try edit(&policy.frequencyRules, action, "frequency rule", named: name, by: \.name) { FrequencyRule(name: name, limits: limits, lock: lock) }
            }
        }
    }

    struct PINLockout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pin-lockout",
                                                        abstract: "Wrong route PINs that lock an extension's outbound calls.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Option var failures: Int?
        @Option var minutes: Int?

        func run() async throws {
            let (failures, minutes) = (failures, minutes)
            try await editPolicy(data, output: output, done: "PIN lockout updated") { policy in
                if let failures { policy.pinLockout.failures = failures }
                if let minutes { policy.pinLockout.minutes = minutes }
            }
        }
    }

    struct Locks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Extensions locked for outbound calls and why.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let locks = try await withClient(data) { try await $0.send(Endpoints.outboundLocks).items }
            if output.json { return try Output.json(locks) }
            Output.table(["EXTENSION", "SINCE", "REASON"], locks.map { [$0.extension, Output.time($0.since), $0.reason] })
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a locked extension call out again.")
        @OptionGroup var data: DataDirectoryOptions
        @Argument var number: String

        func run() async throws {
            _ = try await withClient(data) { try await $0.send(Endpoints.unlockOutbound, ["extension": number]) }
            print("extension \(number) unlocked")
        }
    }
}

extension CallDirection: ExpressibleByArgument {}

/// What the list subcommands do; ArgumentParser refuses anything else and lists these.
enum ListAction: String, ExpressibleByArgument, Sendable { case add, remove }
enum NamedAction: String, ExpressibleByArgument, Sendable { case set, remove }
enum CountryAction: String, ExpressibleByArgument, Sendable { case allow, disallow, enable, disable }
enum NumberAction: String, ExpressibleByArgument, Sendable { case block, allow, remove }
