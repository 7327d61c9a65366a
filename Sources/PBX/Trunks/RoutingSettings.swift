import Defense
import Dialplan
import Foundation
import Model
import SIPAuth
import Storage

/// A SIP trunk: a registration trunk when it has a username (the PBX registers to the provider and answers its
/// challenges), a peer trunk otherwise (calls are accepted from its address without a challenge).
public struct TrunkSettings: StrictCodable {
    public var name: String
    /// `HOST:PORT` of the provider; an IP address or a name resolved when the routing is loaded.
    public var host: String
    public var username: String?
    /// Kept to answer the provider's digest challenges; never shown or exported.
    public var password: String?
    /// Registration state, filled in when shown (never stored).
    public var status: String?
    /// Concurrent calls the trunk takes (nil: no limit), counted in `maxCallsDirection`; over it the route's next
    /// trunk is tried.
    public var maxCalls: Int?
    public var maxCallsDirection: CallDirection

    /// A placeholder for decoding: the fields every value must name are read over it.
    public init() {
        self.init(name: "", host: "")
    }

    public init(name: String, host: String, username: String? = nil, password: String? = nil, maxCalls: Int? = nil,
                maxCallsDirection: CallDirection = .both) {
        self.name = name
        self.host = host
        self.username = username
        self.password = password
        self.maxCalls = maxCalls
        self.maxCallsDirection = maxCallsDirection
    }

    public var registers: Bool { username != nil }

    public static let fields: [StrictField<TrunkSettings>] = [
        .required("name", \.name),
        .required("host", \.host),
        .init("username", \.username),
        .init("password", \.password),
        .init("status", \.status),
        .init("maxCalls", \.maxCalls),
        .init("maxCallsDirection", \.maxCallsDirection),
    ]
}

/// Calls arriving from a trunk whose number (DID) matches go to an extension.
public struct InboundRoute: StrictCodable {
    public var name: String
    public var did: String
    public var `extension`: String

    /// A placeholder for decoding: the fields every value must name are read over it.
    public init() {
        self.init(name: "", did: "", extension: "")
    }

    public init(name: String, did: String, extension: String) {
        self.name = name
        self.did = did
        self.extension = `extension`
    }

    public static let fields: [StrictField<InboundRoute>] = [
        .required("name", \.name),
        .required("did", \.did),
        .required("extension", \.extension),
    ]
}

/// Trunks and routes, stored as one setting and replaced whole.
public struct RoutingSettings: StoredSettings {
    public var trunks: [TrunkSettings] = []
    public var routes: [OutboundRoute] = []
    public var inboundRoutes: [InboundRoute] = []

    public init() {}

    public static let fields: [StrictField<RoutingSettings>] = [
        .init("trunks", \.trunks), .init("routes", \.routes), .init("inboundRoutes", \.inboundRoutes),
    ]

    public static let storeKey = "pbx.routing"

    /// Every problem, each naming the trunk or route; empty when valid. `extensions` are the existing numbers;
    /// routes may name the groups and time conditions of `policy`.
    public func problems(extensions: Set<String>, policy: OutboundPolicySettings) -> [String] {
        problems(extensions: extensions) + referenceProblems(policy)
    }

    /// Groups and time conditions routes name that `policy` does not define.
    public func referenceProblems(_ policy: OutboundPolicySettings) -> [String] {
        routes.flatMap { route in
            route.groups.filter { group in !policy.groups.contains { $0.name == group } }
                .map { "route '\(route.name)': no extension group '\($0.prefix(40))'" }
                + (route.hours.map { hours in policy.timeConditions.contains { $0.name == hours } ? [] : ["route '\(route.name)': no time condition '\(hours.prefix(40))'"] } ?? [])
        }
    }

    /// The problems of the routing on its own (names, hosts, patterns, PINs, references to trunks and extensions).
    public func problems(extensions: Set<String>) -> [String] {
        var problems: [String] = []
        let trunkNames = Set(trunks.map(\.name))
        for (kind, names) in [("trunk", trunks.map(\.name)), ("route", routes.map(\.name)), ("inbound route", inboundRoutes.map(\.name))] {
            for name in names where !OutboundPolicySettings.validName(name) {
                problems.append("\(kind) '\(name.prefix(40))': names are 1-40 letters, digits, '.', '_' or '-'")
            }
            for name in Set(names) where names.filter({ $0 == name }).count > 1 { problems.append("\(kind) '\(name)' is defined twice") }
        }
        for trunk in trunks {
            if RoutingSettings.hostPort(trunk.host) == nil {
                problems.append("trunk '\(trunk.name)': host must be HOST:PORT, got '\(trunk.host.prefix(80))'")
            }
            if (trunk.username == nil) != (trunk.password == nil) {
                problems.append("trunk '\(trunk.name)': give both username and password, or neither (a peer trunk)")
            }
            if let username = trunk.username, !(1...64).contains(username.count) || username.contains(where: { $0 == "\"" || $0.isWhitespace }) {
                problems.append("trunk '\(trunk.name)': username must be 1-64 characters without quotes or spaces")
            }
            if let password = trunk.password, !SecretFormat.isSealed(password), !(1...128).contains(password.count) {
                problems.append("trunk '\(trunk.name)': password must be 1-128 characters")
            }
            if let maxCalls = trunk.maxCalls, !(1...100_000).contains(maxCalls) {
                problems.append("trunk '\(trunk.name)': maxCalls must be 1-100000, got \(maxCalls)")
            }
        }
        for route in routes {
            if route.patterns.isEmpty { problems.append("route '\(route.name)': at least one pattern") }
            for pattern in route.patterns {
                do throws(DialPatternError) {
                    _ = try DialPattern(parsing: pattern.pattern)
                } catch {
                    problems.append("route '\(route.name)': \(error)")
                }
                problems += NumberRewrite(strip: pattern.strip, prepend: pattern.prepend).problems.map { "route '\(route.name)': \($0)" }
            }
            if route.trunks.isEmpty { problems.append("route '\(route.name)': at least one trunk") }
            for trunk in route.trunks where !trunkNames.contains(trunk) { problems.append("route '\(route.name)': no trunk named '\(trunk)'") }
            for number in route.extensions where !extensions.contains(number) {
                problems.append("route '\(route.name)': no extension \(number)")
            }
            problems += route.pin.problems.map { "route '\(route.name)': \($0)" }
        }
        for route in inboundRoutes {
            do throws(DialPatternError) {
                _ = try DialPattern(parsing: route.did)
            } catch {
                problems.append("inbound route '\(route.name)': \(error)")
            }
            if !extensions.contains(route.extension) { problems.append("inbound route '\(route.name)': no extension \(route.extension)") }
        }
        if trunks.count > 1_000 || routes.count > 1_000 || inboundRoutes.count > 10_000 {
            problems.append("at most 1000 trunks, 1000 routes and 10000 inbound routes")
        }
        return problems
    }

    /// Host and port of `HOST:PORT` (IPv6 in brackets).
    public static func hostPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.count <= 253, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else { return nil }
        return (host, port)
    }
}
