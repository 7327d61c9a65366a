import Defense
import Events
import Media
import Notifications
import Foundation
import Model
import PBX
import SIPAuth
import SIPCore
import Storage
import SIPStack
import Update
import Yams

extension ConfigDocument {
    /// Longest list a configuration may hold (extensions, routes, patterns...), and most nodes in one document.
    static let maxListLength = 100_000
    static let maxNodes = 2_000_000
    /// Problems listed in an answer; the rest are counted.
    static let maxListedProblems = 100

    /// Anchors and aliases are refused (a configuration needs neither, and an alias repeated thousands of times
    /// multiplies the work of everything that reads the tree), as are lists longer than `maxListLength` and more
    /// than `maxNodes` nodes. The tree is walked in document order, where every node starts at or after the one
    /// before; a node that starts before it was reached by an alias (it carries the place of its anchor), so the
    /// walk stops there, having cost at most the size of the text. `:LINE: message`, or nil.
    static func shapeProblem(_ root: Node) -> String? {
        var pending = [root]
        var visited = 0
        var position = (line: 0, column: 0)
        while let node = pending.popLast() {
            visited += 1
            let line = node.mark.map { ":\($0.line)" } ?? ""
            if let mark = node.mark {
                if (mark.line, mark.column) < position {
                    return ":\(position.line): anchors and aliases (& and *) are not accepted in a configuration"
                }
                position = (mark.line, mark.column)
            }
            if visited > maxNodes { return "\(line): more than \(maxNodes) values" }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping.reversed() { pending.append(value); pending.append(key) }
            case .sequence(let sequence):
                if sequence.count > maxListLength { return "\(line): a list of more than \(maxListLength) items" }
                pending.append(contentsOf: sequence.reversed())
            case .scalar, .alias:
                break
            }
        }
        return nil
    }

    /// The first `maxListedProblems` problems and how many more there were.
    static func listed(_ problems: [String]) -> [String] {
        guard problems.count > maxListedProblems else { return problems }
        return Array(problems.prefix(maxListedProblems)) + ["... and \(problems.count - maxListedProblems) more"]
    }

    /// Reads and validates a YAML document; every problem is reported as `file:line: field: message`, all at once.
    public init(yaml: String, file: String) throws(AdminError) {
        var reader = YAMLReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw AdminError(.invalidConfiguration, "\(file): not valid YAML", problems: ["\(file): \(String(describing: error).prefix(500))"])
        }
        if let root, let problem = ConfigDocument.shapeProblem(root) {
            throw AdminError(.invalidConfiguration, "\(file): nothing was changed", problems: ["\(file)\(problem)"])
        }
        var sip = SIPSettings()
        var api = APISettings()
        var network: NetworkSettings?
        var routing: RoutingSettings?
        var outbound: OutboundPolicySettings?
        var login: LoginDefenseSettings?
        var events: EventSettings?
        var update: UpdateSettings?
        var extensions: [ExtensionEntry] = []
        if let root {
            for (key, value) in reader.mapping(root, path: "") {
                switch key {
                case "sip": sip = reader.decodeSection(SIPSettings.self, value, "sip") ?? sip
                case "api": api = reader.decodeSection(APISettings.self, value, "api") ?? api
                case "network": network = reader.decodeSection(NetworkSettings.self, value, "network") { $0.problems }
                case "trunks":
                    routing = routing ?? RoutingSettings()
                    routing?.trunks = reader.decodeSection([TrunkSettings].self, value, "trunks") ?? []
                case "routes":
                    routing = routing ?? RoutingSettings()
                    routing?.routes = reader.decodeSection([OutboundRoute].self, value, "routes") ?? []
                case "inboundRoutes":
                    routing = routing ?? RoutingSettings()
                    routing?.inboundRoutes = reader.decodeSection([InboundRoute].self, value, "inboundRoutes") ?? []
                case "outbound": outbound = reader.decodeSection(OutboundPolicySettings.self, value, "outbound")
                case "login": login = reader.decodeSection(LoginDefenseSettings.self, value, "login") { $0.problems.map { "login.\($0)" } }
                case "events": events = reader.decodeSection(EventSettings.self, value, "events") { settings in
                    settings.problems + settings.overrides.compactMap { override in
                        override.template.flatMap(NotificationText.problem(template:)).map { "events.overrides[\(override.name.prefix(64))].template: \($0)" }
                    }
                }
                case "update": update = reader.decodeSection(UpdateSettings.self, value, "update") { $0.problems }
                case "extensions": extensions = reader.readExtensions(value)
                default: reader.unknown(value, key)
                }
            }
        }
        reader.problems += (sip.problems + api.problems).map { "\(file): \($0)" }
        guard reader.problems.isEmpty else {
            throw AdminError(.invalidConfiguration, "\(file): \(reader.problems.count) problem(s), nothing was changed",
                             problems: ConfigDocument.listed(reader.problems))
        }
        if let routing {
            let numbers = Set(extensions.map(\.number))
            // Trunk passwords may be left out (as exported): the stored ones are kept, so only unknown trunks need one.
            var checked = routing
            for index in checked.trunks.indices where checked.trunks[index].username != nil && checked.trunks[index].password == nil {
                checked.trunks[index].password = "kept"
            }
            // Without an outbound section, the groups and time conditions routes name are checked against the stored policy on apply.
            reader.problems += (outbound.map { checked.problems(extensions: numbers, policy: $0) } ?? checked.problems(extensions: numbers))
                .map { "\(file): \($0)" }
        }
        if let outbound {
            reader.problems += outbound.problems(extensions: Set(extensions.map(\.number))).map { "\(file): outbound: \($0)" }
        }
        guard reader.problems.isEmpty else {
            throw AdminError(.invalidConfiguration, "\(file): \(reader.problems.count) problem(s), nothing was changed",
                             problems: ConfigDocument.listed(reader.problems))
        }
        self.init(sip: sip, api: api, network: network, routing: routing, outbound: outbound, login: login, events: events, update: update,
                  extensions: extensions)
    }

    /// YAML of this document; extensions carry HA1 digests, never passwords.
    public func yaml() -> String {
        func map(_ pairs: [(String, Node)]) -> Node { .mapping(.init(pairs.map { (Node($0.0), $0.1) })) }
        let extensionNodes = extensions.map { entry -> Node in
            var pairs: [(String, Node)] = [("number", Node(entry.number, Tag(.str), .doubleQuoted))]
            if let registrationName = entry.registrationName { pairs.append(("registrationName", Node(registrationName, Tag(.str), .doubleQuoted))) }
            if let name = entry.name { pairs.append(("name", Node(name))) }
            if let md5 = entry.ha1MD5, let sha256 = entry.ha1SHA256 {
                pairs.append(("ha1", map([("md5", Node(md5)), ("sha256", Node(sha256))])))
            }
            let policy = entry.policy
            if !policy.userAgentPrefixes.isEmpty { pairs.append(("userAgents", .sequence(.init(policy.userAgentPrefixes.map { Node($0) })))) }
            if policy.restrictsUserAgents == policy.userAgentPrefixes.isEmpty {
                pairs.append(("restrictUserAgents", Node(String(policy.restrictsUserAgents))))
            }
            if !policy.permittedNetworks.isEmpty { pairs.append(("permittedNetworks", .sequence(.init(policy.permittedNetworks.map { Node($0) })))) }
            if policy.maxRegistrations != 1 { pairs.append(("maxRegistrations", Node(String(policy.maxRegistrations)))) }
            if policy.replaceOldest { pairs.append(("replaceOldest", Node("true"))) }
            if policy.calls != ExtensionCallRules(), let node = ConfigDocument.node(policy.calls) {
                pairs.append(("outbound", node))
            }
            return map(pairs)
        }
        var sections: [(String, Node)] = []
        for (name, node) in [("sip", ConfigDocument.node(sip)), ("api", ConfigDocument.node(api)), ("network", network.flatMap(ConfigDocument.node))] {
            if let node { sections.append((name, node)) }
        }
        if let routing {
            var shown = routing
            for index in shown.trunks.indices {
                shown.trunks[index].password = nil
                shown.trunks[index].status = nil
            }
            for (name, node) in [("trunks", ConfigDocument.node(shown.trunks)), ("routes", ConfigDocument.node(shown.routes)),
                                 ("inboundRoutes", ConfigDocument.node(shown.inboundRoutes))] {
                if let node { sections.append((name, node)) }
            }
        }
        for (name, node) in [("outbound", outbound.flatMap(ConfigDocument.node)), ("login", login.flatMap(ConfigDocument.node)),
                             ("events", events.flatMap(ConfigDocument.node)), ("update", update.flatMap(ConfigDocument.node))] {
            if let node { sections.append((name, node)) }
        }
        let root = map(sections + [("extensions", .sequence(.init(extensionNodes)))])
        return (try? Yams.serialize(node: root)) ?? ""
    }

    /// A section as YAML, written by its own encoding (the fields in the order the section lists them).
    static func node(_ value: some Encodable) -> Node? {
        (try? YAMLEncoder().encode(value)).flatMap { try? Yams.compose(yaml: $0) }
    }
}

/// Walks a composed YAML tree, collecting problems with their line numbers instead of stopping at the first.
private struct YAMLReader {
    let file: String
    var problems: [String] = []

    mutating func problem(_ node: Node?, _ path: String, _ message: String) {
        problems.append("\(location(node)): \(path): \(message)")
    }

    /// `file:line` of a node, or the file alone when the node has no position.
    private func location(_ node: Node?) -> String {
        file + (node?.mark.map { ":\($0.line)" } ?? "")
    }

    mutating func unknown(_ node: Node, _ path: String) {
        problem(node, path, "unknown field")
    }

    mutating func mapping(_ node: Node, path: String) -> [(String, Node)] {
        guard case .mapping(let mapping) = node else {
            problem(node, path.isEmpty ? "(document)" : path, "expected a mapping")
            return []
        }
        return mapping.compactMap { key, value in
            guard let name = key.string else {
                problem(key, path, "keys must be strings")
                return nil
            }
            return (name, value)
        }
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        guard case .scalar(let scalar) = node else {
            problem(node, path, "expected a value")
            return nil
        }
        return scalar.string
    }

    mutating func strings(_ node: Node, _ path: String) -> [String] {
        guard case .sequence(let sequence) = node else {
            problem(node, path, "expected a list")
            return []
        }
        return sequence.compactMap { string($0, path) }
    }

    mutating func boolean(_ node: Node, _ path: String) -> Bool? {
        switch string(node, path) {
        case "true": return true
        case "false": return false
        case nil: return nil
        default:
            problem(node, path, "expected true or false")
            return nil
        }
    }

    mutating func integer(_ node: Node, _ path: String) -> Int? {
        guard let text = string(node, path) else { return nil }
        guard let value = Int(text) else {
            problem(node, path, "expected a whole number, got '\(text.prefix(20))'")
            return nil
        }
        return value
    }

    /// A section that decodes as a whole (every one but `extensions`); a decoding error names
    /// its field and line. Nil when it does not decode.
    mutating func decodeSection<T: Decodable>(_ type: T.Type, _ node: Node, _ name: String) -> T? {
        let collected = SettingsProblems()
        defer {
            for found in collected.all {
                let field = found.field
                problem(YAMLReader.node(in: node, at: found.path) ?? node, name + (field.hasPrefix("[") ? "" : ".") + field, found.reason)
            }
        }
        do {
            return try YAMLDecoder().decode(type, from: node, userInfo: [SettingsProblems.key: collected])
        } catch let error as DecodingError {
            let (path, reason) = error.fieldAndReason
            problem(YAMLReader.node(in: node, at: path) ?? node, name + DecodingError.pathText(path), reason)
        } catch {
            problem(node, name, "\(error)")
        }
        return nil
    }

    /// A section that decodes, then is checked as a whole by `checks` (`section.field: message` each), the problems
    /// reported at the section's line.
    mutating func decodeSection<T: Decodable>(_ type: T.Type, _ node: Node, _ name: String, checks: (T) -> [String]) -> T? {
        guard let section = decodeSection(type, node, name) else { return nil }
        for message in checks(section) { problems.append("\(location(node)): \(message)") }
        return section
    }

    /// The node a decoding path points at, for its line number.
    private static func node(in root: Node, at path: [any CodingKey]) -> Node? {
        var current = root
        for key in path {
            if let index = key.intValue, case .sequence(let sequence) = current, sequence.indices.contains(index) {
                current = sequence[index]
            } else if case .mapping(let mapping) = current, let value = mapping[Node(key.stringValue)] {
                current = value
            } else {
                return current
            }
        }
        return current
    }

    mutating func readExtensions(_ node: Node) -> [ConfigDocument.ExtensionEntry] {
        guard case .sequence(let sequence) = node else {
            problem(node, "extensions", "expected a list")
            return []
        }
        var entries: [ConfigDocument.ExtensionEntry] = []
        var seen: Set<String> = []
        /// Numbers and registration names: each identifies one extension.
        var identities: [String: String] = [:]
        var registrationNames: [(name: String, number: String, node: Node, path: String)] = []
        for (index, item) in sequence.enumerated() {
            let path = "extensions[\(index)]"
            var entry = ConfigDocument.ExtensionEntry(number: "", line: item.mark?.line ?? 0)
            var nodes: [String: Node] = [:]
            var restrictsUserAgents: Bool?
            for (field, value) in mapping(item, path: path) {
                nodes[field] = value
                switch field {
                case "number": entry.number = string(value, "\(path).number") ?? ""
                case "registrationName": entry.registrationName = string(value, "\(path).registrationName")
                case "name": entry.name = string(value, "\(path).name")
                case "password": entry.password = string(value, "\(path).password")
                case "userAgents": entry.policy.userAgentPrefixes = strings(value, "\(path).userAgents")
                case "restrictUserAgents": restrictsUserAgents = boolean(value, "\(path).restrictUserAgents")
                case "permittedNetworks": entry.policy.permittedNetworks = strings(value, "\(path).permittedNetworks")
                case "maxRegistrations":
                    if let number = integer(value, "\(path).maxRegistrations") { entry.policy.maxRegistrations = number }
                case "replaceOldest":
                    if let replace = boolean(value, "\(path).replaceOldest") { entry.policy.replaceOldest = replace }
                case "outbound":
                    if let rules = decodeSection(ExtensionCallRules.self, value, "\(path).outbound") { entry.policy.calls = rules }
                case "ha1":
                    for (key, digest) in mapping(value, path: "\(path).ha1") {
                        switch key {
                        case "md5": entry.ha1MD5 = string(digest, "\(path).ha1.md5")
                        case "sha256": entry.ha1SHA256 = string(digest, "\(path).ha1.sha256")
                        default: unknown(digest, "\(path).ha1.\(key)")
                        }
                    }
                default: unknown(value, "\(path).\(field)")
                }
            }
            entry.policy.restrictsUserAgents = restrictsUserAgents ?? !entry.policy.userAgentPrefixes.isEmpty
            let at = { (field: String) in nodes[field] ?? item }
            if let message = AdminValidation.extensionNumberProblem(entry.number) { problem(at("number"), "\(path).number", message) }
            if !seen.insert(entry.number).inserted { problem(at("number"), "\(path).number", "extension \(entry.number) is listed twice") }
            identities[entry.number] = entry.number
            if let registrationName = entry.registrationName {
                if let message = AdminValidation.registrationNameProblem(registrationName) {
                    problem(at("registrationName"), "\(path).registrationName", message)
                }
                registrationNames.append((registrationName, entry.number, at("registrationName"), "\(path).registrationName"))
            }
            if let name = entry.name, let message = AdminValidation.displayNameProblem(name) { problem(at("name"), "\(path).name", message) }
            for (field, message) in AdminValidation.policyProblems(entry.policy) {
                let name = field == "userAgentPrefixes" ? "userAgents" : field
                problem(at(name), "\(path).\(name)", message)
            }
            if let password = entry.password {
                for message in AdminValidation.sipPasswordProblems(password, number: entry.number, registrationName: entry.registrationName,
                                                                   name: entry.name) {
                    problem(at("password"), "\(path).password", message)
                }
            }
            if entry.password != nil && (entry.ha1MD5 != nil || entry.ha1SHA256 != nil) {
                problem(item, path, "give either password or ha1, not both")
            } else if entry.ha1MD5 != nil || entry.ha1SHA256 != nil,
                      let message = AdminValidation.ha1Problem(md5: entry.ha1MD5, sha256: entry.ha1SHA256) {
                problem(at("ha1"), "\(path).ha1", message)
            }
            entries.append(entry)
        }
        for (name, number, node, path) in registrationNames where name != number {
            if let owner = identities.updateValue(number, forKey: name), owner != number {
                problem(node, path, "'\(name)' already identifies extension \(owner)")
            }
        }
        return entries
    }
}
