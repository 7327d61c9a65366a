import GeoIP
import Model

/// An extension's own registration rules, checked after its credentials are proven (a refusal before the challenge
/// would tell a scanner which extensions exist and are restricted): the device's address must lie in the permitted
/// networks, its User-Agent must start with a listed prefix, and it must register the extension it authenticated as.
public struct RegistrationAdmission: Sendable, Equatable {
    public let number: String
    /// Empty: anywhere.
    public let permittedNetworks: [IPNetwork]
    /// Empty: any device (also when the check is switched off).
    public let userAgentPrefixes: [String]
    /// A stored network that no longer reads as one: the extension registers from nowhere until it is fixed, rather
    /// than from everywhere.
    public let unreadableNetwork: String?

    public init(number: String, policy: ExtensionPolicy) {
        self.number = number
        userAgentPrefixes = policy.restrictsUserAgents ? policy.userAgentPrefixes : []
        var networks: [IPNetwork] = []
        var unreadable: String?
        for text in policy.permittedNetworks {
            if let network = try? IPNetwork(parsing: text) { networks.append(network) } else { unreadable = unreadable ?? text }
        }
        permittedNetworks = networks
        unreadableNetwork = unreadable
    }

    /// Nil when the registration may go ahead; else why not, for the 403 and the failure event.
    public func refusal(registering aor: String?, from source: IPAddress?, userAgent: String?) -> RegistrationRefusal? {
        if let unreadableNetwork { return .unreadablePolicy(unreadableNetwork) }
        if let source, !permittedNetworks.isEmpty, !permittedNetworks.contains(where: { $0.contains(source) }) { return .sourceNotPermitted }
        if !userAgentPrefixes.isEmpty, !userAgentPrefixes.contains(where: { userAgent?.hasPrefix($0) == true }) {
            return .userAgentNotAllowed(userAgent)
        }
        guard aor == number else { return .otherExtension(authenticated: number, registering: aor) }
        return nil
    }
}

/// Why an authenticated REGISTER was refused; each counts as a guess towards the lockout, like a wrong password.
public enum RegistrationRefusal: Sendable, Equatable, CustomStringConvertible {
    case sourceNotPermitted
    case userAgentNotAllowed(String?)
    case otherExtension(authenticated: String, registering: String?)
    case unreadablePolicy(String)

    public var description: String {
        switch self {
        case .sourceNotPermitted: "source not in the extension's permitted networks"
        case .userAgentNotAllowed(let agent): "user agent '\(agent?.prefix(64) ?? "")' is not allowed for the extension"
        case .otherExtension(let authenticated, let registering):
            "authenticated for extension \(authenticated) but registering \(registering ?? "nothing")"
        case .unreadablePolicy(let network): "the extension's permitted network '\(network.prefix(64))' cannot be read; fix the extension"
        }
    }
}
