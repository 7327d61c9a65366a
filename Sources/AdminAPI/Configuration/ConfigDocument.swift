import Foundation
import Defense
import Events
import Media
import Model
import PBX
import SIPCore
import SIPStack
import Storage
import Update

/// The declarative configuration `config apply` takes and `config export` writes: the PBX and its defenses. What
/// holds a secret of a service outside it or reaches out to one (mail server, notification contacts, SSO, SSH console,
/// backup schedule) is set with its own commands and kept in the encrypted backup.
public struct ConfigDocument: Sendable, Equatable {
    /// One extension; credentials are a password, or the two HA1 digests (as exported), or nothing to keep the current ones.
    public struct ExtensionEntry: Sendable, Equatable {
        public var number: String
        /// Nil: the number.
        public var registrationName: String?
        public var name: String?
        public var password: String?
        public var ha1MD5: String?
        public var ha1SHA256: String?
        /// Fields left out take the defaults (declarative, like the extension list itself).
        public var policy: ExtensionPolicy
        /// Line in the file, for error messages.
        public var line: Int

        public init(number: String, registrationName: String? = nil, name: String? = nil, password: String? = nil,
                    ha1MD5: String? = nil, ha1SHA256: String? = nil, policy: ExtensionPolicy = ExtensionPolicy(), line: Int = 0) {
            self.number = number
            self.registrationName = registrationName
            self.name = name
            self.password = password
            self.ha1MD5 = ha1MD5
            self.ha1SHA256 = ha1SHA256
            self.policy = policy
            self.line = line
        }
    }

    public var sip: SIPSettings
    public var api: APISettings
    /// Nil when the document has no `network:` section: the network settings then stay as they are, so a file
    /// written for extensions cannot silently drop an allow list or a country rule.
    public var network: NetworkSettings?
    /// Nil when the document has none of `trunks`, `routes`, `inboundRoutes`: the routing then stays as it is.
    public var routing: RoutingSettings?
    /// Nil when the document has no `outbound:` section: the outbound policy then stays as it is.
    public var outbound: OutboundPolicySettings?
    /// Nil when the document has no `login:` section (the portal and API login defense), and so on for `events:` (the
    /// catalogue's levels, notification switches and templates, and the log's retention) and `update:`: each then
    /// stays as it is, so a file written before the section existed changes nothing there.
    public var login: LoginDefenseSettings?
    public var events: EventSettings?
    public var update: UpdateSettings?
    public var extensions: [ExtensionEntry]

    public init(sip: SIPSettings, api: APISettings, network: NetworkSettings? = nil, routing: RoutingSettings? = nil,
                outbound: OutboundPolicySettings? = nil, login: LoginDefenseSettings? = nil, events: EventSettings? = nil,
                update: UpdateSettings? = nil, extensions: [ExtensionEntry]) {
        self.sip = sip
        self.api = api
        self.network = network
        self.routing = routing
        self.outbound = outbound
        self.login = login
        self.events = events
        self.update = update
        self.extensions = extensions
    }
}

/// Field rules shared by the API, the CLI and the YAML file, so all three refuse the same input the same way.
public enum AdminValidation {
    /// Extension numbers are 1-15 digits (E.164 length), what a phone keypad can dial.
    public static func extensionNumberProblem(_ number: String) -> String? {
        guard (1...15).contains(number.count), number.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return "extension number must be 1-15 digits, got '\(number.prefix(20))'"
        }
        return nil
    }

    public static func displayNameProblem(_ name: String) -> String? {
        guard name.count <= 64, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return "name must be at most 64 characters without control characters"
        }
        return nil
    }

    /// Digest user names: 1-64 letters, digits and `.`, `_`, `-`; what every phone's "authentication name" field
    /// takes, and nothing that needs escaping in a URI or a digest header.
    public static func registrationNameProblem(_ name: String) -> String? {
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
        guard (1...64).contains(name.count), allowed else {
            return "registration name must be 1-64 letters, digits, '.', '_' or '-', got '\(name.prefix(64))'"
        }
        return nil
    }

    /// Every credential rule a SIP password breaks (see `CredentialRules`), for the extension it is set on: it may
    /// contain neither the number nor the registration name nor the display name.
    public static func sipPasswordProblems(_ password: String, number: String, registrationName: String?, name: String?) -> [String] {
        CredentialRules.problems(password, number: number, names: credentialNames(number: number, registrationName: registrationName, name: name))
    }

    static func credentialNames(number: String, registrationName: String?, name: String?) -> [String] {
        [registrationName, name].compactMap { $0 }.filter { $0 != number }
    }

    /// Registration policy limits, as (field, message): at most 32 User-Agent prefixes of 1-64 printable characters,
    /// 32 valid CIDR ranges, 1-100 devices.
    public static func policyProblems(_ policy: ExtensionPolicy) -> [(field: String, message: String)] {
        var problems: [(field: String, message: String)] = []
        if policy.userAgentPrefixes.count > 32 { problems.append(("userAgentPrefixes", "at most 32")) }
        if policy.restrictsUserAgents && policy.userAgentPrefixes.isEmpty {
            problems.append(("userAgentPrefixes", "the User-Agent check is on but no prefix is listed"))
        }
        for prefix in policy.userAgentPrefixes
        where !(1...64).contains(prefix.count) || prefix.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            problems.append(("userAgentPrefixes", "'\(prefix.prefix(64))' must be 1-64 printable characters"))
        }
        if policy.permittedNetworks.count > 32 { problems.append(("permittedNetworks", "at most 32")) }
        for network in policy.permittedNetworks {
            do throws(NetworkInputError) {
                _ = try IPNetwork(parsing: network)
            } catch {
                problems.append(("permittedNetworks", error.description))
            }
        }
        if !(1...100).contains(policy.maxRegistrations) {
            problems.append(("maxRegistrations", "must be 1-100 devices, got \(policy.maxRegistrations)"))
        }
        problems += policy.calls.problems.map { ("outbound", $0) }
        return problems
    }

    public static func ha1Problem(md5: String?, sha256: String?) -> String? {
        let isHex = { (text: String) in text.allSatisfy { $0.isHexDigit } }
        guard let md5, let sha256, md5.count == 32, sha256.count == 64, isHex(md5), isHex(sha256) else {
            return "ha1 needs md5 (32 hex digits) and sha256 (64 hex digits)"
        }
        return nil
    }
}

/// `HOST:PORT` of the admin API listener.
public struct APIListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(parsing text: String) throws(SIPListenAddressError) {
        let parsed = try SIPListenAddress(parsing: text)
        guard parsed.transports == [.udp, .tcp] else { throw SIPListenAddressError(text: text) }
        host = parsed.host
        port = parsed.port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// 127.0.0.0/8, ::1 or localhost: reachable from this machine only.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || (host.hasPrefix("127.") && host.split(separator: ".").count == 4)
    }
}
