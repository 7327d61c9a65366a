import GeoIP

extension NetworkSettings {
    static let maxAllowEntries = 10_000
    static let maxRules = 1_000
    /// Static rules compile into one table per service; large lists belong on the block or allow list.
    static let maxRuleSources = 2_000
    static let maxAutoDefenseRules = 100

    /// Every problem as `network.FIELD: message`, all at once; empty when the settings can be used.
    public var problems: [String] {
        var problems: [String] = []
        if allow.count > NetworkSettings.maxAllowEntries { problems.append("network.allow: at most \(NetworkSettings.maxAllowEntries) entries") }
        for (index, entry) in allow.enumerated() where NetworkSettings.allowEntry(entry) == nil {
            // Text that looks like an address gets the address parser's precise reason (prefix length, host bits).
            let looksNumeric = entry.contains("/") || entry.contains(":") || entry.allSatisfy { $0.isNumber || $0 == "." }
            var reason = "'\(entry.prefix(60))' is not an address, CIDR range or domain name"
            if looksNumeric {
                do throws(NetworkInputError) { _ = try IPNetwork(parsing: entry) } catch { reason = error.description }
            }
            problems.append("network.allow[\(index)]: \(reason)")
        }
        if rules.count > NetworkSettings.maxRules { problems.append("network.rules: at most \(NetworkSettings.maxRules) rules") }
        if rules.reduce(0, { $0 + $1.sources.count }) > NetworkSettings.maxRuleSources {
            problems.append("network.rules: at most \(NetworkSettings.maxRuleSources) sources in all rules together")
        }
        problems += Self.nameProblems(rules.map(\.name), path: "network.rules")
        for (index, rule) in rules.enumerated() {
            problems += Self.networkProblems(rule.sources, path: "network.rules[\(index)].sources")
        }
        problems += Self.networkProblems(countries.exempt, path: "network.countries.exempt")
        for (name, rule) in [("sip", countries.sip), ("api", countries.api)] {
            for code in rule.allow where !(CountryCode(code)?.isAssigned ?? false) {
                problems.append("network.countries.\(name).allow: '\(code.prefix(20))' is not an ISO 3166-1 country code")
            }
            if rule.enabled && rule.allow.isEmpty {
                problems.append("network.countries.\(name): enabled with no allowed country would drop every public source")
            }
        }
        if geoIP.database?.isEmpty == true { problems.append("network.geoIP.database: give a path or leave it out") }
        problems += autoDefenseProblems
        return problems
    }

    private var autoDefenseProblems: [String] {
        var problems: [String] = []
        let settings = autoDefense
        if settings.rules.count > NetworkSettings.maxAutoDefenseRules {
            problems.append("network.autoDefense.rules: at most \(NetworkSettings.maxAutoDefenseRules) rules")
        }
        problems += Self.nameProblems(settings.rules.map(\.name), path: "network.autoDefense.rules")
        for (index, rule) in settings.rules.enumerated() {
            let path = "network.autoDefense.rules[\(index)] (\(rule.name.prefix(40)))"
            switch (rule.service, rule.ports) {
            case (nil, nil): problems.append("\(path): give a service or ports")
            case (.some, .some): problems.append("\(path): give a service or ports, not both")
            case (nil, .some(let ports)) where rule.portRange == nil:
                problems.append("\(path).ports: '\(ports.prefix(20))' must be PORT or LOW-HIGH within 1-65535")
            default: break
            }
            if !(1...1_000_000).contains(rule.packets) { problems.append("\(path).packets: must be 1-1000000, got \(rule.packets)") }
            if !(1...86_400).contains(rule.interval) { problems.append("\(path).interval: must be 1-86400 seconds, got \(rule.interval)") }
            if !(10...31_536_000).contains(rule.blockDuration) {
                problems.append("\(path).blockDuration: must be 10-31536000 seconds, got \(rule.blockDuration)")
            }
        }
        let escalation = settings.escalation
        if !(1...100).contains(escalation.factor) { problems.append("network.autoDefense.escalation.factor: must be 1-100") }
        if !(escalation.permanentAfter == 0 || (2...100).contains(escalation.permanentAfter)) {
            problems.append("network.autoDefense.escalation.permanentAfter: must be 0 (never) or 2-100")
        }
        if !(60...2_592_000).contains(escalation.memory) { problems.append("network.autoDefense.escalation.memory: must be 60-2592000 seconds") }
        if !(16...128).contains(settings.ipv6PrefixLength) { problems.append("network.autoDefense.ipv6PrefixLength: must be 16-128") }
        if !(1_000...10_000_000).contains(settings.maxTrackedSources) {
            problems.append("network.autoDefense.maxTrackedSources: must be 1000-10000000")
        }
        return problems
    }

    /// An allow-list entry as a network, or as a domain name to resolve; nil when it is neither.
    public static func allowEntry(_ text: String) -> AllowEntry? {
        if let network = try? IPNetwork(parsing: text) { return .network(network) }
        // A host name (RFC 1123): dot-separated labels of letters, digits and inner hyphens; a last label of digits
        // only would be a mistyped address. Single labels are allowed for names the local resolver knows.
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        let valid = text.count <= 253 && labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        } && !(labels.last?.allSatisfy(\.isNumber) ?? true)
        return valid ? .domain(text.lowercased()) : nil
    }

    public enum AllowEntry: Sendable, Equatable {
        case network(IPNetwork)
        case domain(String)
    }

    private static func networkProblems(_ entries: [String], path: String) -> [String] {
        entries.enumerated().compactMap { index, entry -> String? in
            do throws(NetworkInputError) {
                _ = try IPNetwork(parsing: entry)
                return nil
            } catch {
                return "\(path)[\(index)]: \(error.description)"
            }
        }
    }

    private static func nameProblems(_ names: [String], path: String) -> [String] {
        var problems: [String] = []
        var seen: Set<String> = []
        for (index, name) in names.enumerated() {
            if !(1...64).contains(name.count) || name.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                problems.append("\(path)[\(index)].name: must be 1-64 printable characters")
            }
            if !seen.insert(name).inserted { problems.append("\(path)[\(index)].name: '\(name.prefix(64))' is used twice") }
        }
        return problems
    }
}
