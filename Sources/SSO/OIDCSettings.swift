import Foundation
import Model

/// OpenID Connect sign-in (the `sso.oidc` section): Microsoft Entra ID or any compliant provider, by its issuer URL.
/// The client secret is stored sealed and never shown.
public struct OIDCSettings: StoredSettings, Equatable {
    public static let storeKey = "sso.oidc"

    public enum Claim: String, StrictChoice {
        case email
        case preferredUsername = "preferred_username"
    }

    public var enabled = false
    /// The issuer, e.g. `https://login.microsoftonline.com/TENANT/v2.0`; its discovery document is read from
    /// `ISSUER/.well-known/openid-configuration`. HTTPS, except on a loopback address.
    public var issuer = ""
    public var clientId = ""
    /// Sealed in the store; nil in answers.
    public var clientSecret: String?
    /// Where the provider sends the browser back: this server's `/api/v1/sso/oidc/callback`.
    public var redirectURI = ""
    /// The id_token claim a user is matched by: their email or their preferred username.
    public var claim = Claim.email
    /// Create a user at their first sign-in, with `defaultRole`; off, only existing users sign in.
    public var autoCreate = false
    public var defaultRole = "Employee"

    public init() {}

    public static let fields: [StrictField<OIDCSettings>] = [
        .init("enabled", \.enabled), .init("issuer", \.issuer), .init("clientId", \.clientId), .init("clientSecret", \.clientSecret),
        .init("redirectURI", \.redirectURI), .init("claim", \.claim), .init("autoCreate", \.autoCreate), .init("defaultRole", \.defaultRole),
    ]

    /// Every problem as `sso.oidc.FIELD: message`; the role name is checked by the caller.
    public var problems: [String] {
        guard enabled else { return [] }
        var problems: [String] = []
        if !SecureURL.isAcceptable(issuer) { problems.append("sso.oidc.issuer: must be an https:// URL (http:// only on a loopback address)") }
        if clientId.isEmpty || clientId.count > 256 { problems.append("sso.oidc.clientId: must be 1-256 characters") }
        if !SecureURL.isAcceptable(redirectURI) { problems.append("sso.oidc.redirectURI: must be an https:// URL (http:// only on a loopback address)") }
        return problems
    }
}

/// URLs a secret may travel to: HTTPS, or plain HTTP to a loopback address (a provider on the same host, a test).
public enum SecureURL {
    public static func isAcceptable(_ text: String) -> Bool {
        guard let components = URLParts(text) else { return false }
        return components.scheme == "https" || (components.scheme == "http" && components.isLoopback)
    }
}

/// Scheme and host of an absolute URL, without Foundation's leniency about what a host is.
struct URLParts {
    let scheme: String
    let host: String

    init?(_ text: String) {
        guard text.count <= 2_000, let schemeEnd = text.range(of: "://") else { return nil }
        scheme = text[..<schemeEnd.lowerBound].lowercased()
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        if authority.hasPrefix("[") {
            host = String(authority.dropFirst().prefix { $0 != "]" })
        } else {
            host = String(authority.prefix { $0 != ":" })
        }
        guard !host.isEmpty, text.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return nil }
    }

    var isLoopback: Bool { host == "localhost" || host.hasPrefix("127.") || host == "::1" }
}
