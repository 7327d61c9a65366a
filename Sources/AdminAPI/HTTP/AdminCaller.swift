import GeoIP
import Model

/// Who is calling an admin operation, once authenticated: the user, their role as it is now, and the credential
/// used. Operations read it (scope checks, "own account") and every event they raise names it.
public struct AdminCaller: Sendable {
    public enum Credential: Sendable, Equatable {
        /// The owner-only Unix socket or the CLI in-process: the data directory's owner, as the Super Administrator.
        case socket
        case token(id: String, name: String)
        case session(id: String)
        /// A console session over SSH, logged in with the key of this fingerprint.
        case ssh(fingerprint: String)
    }

    /// nil for the socket, which stands for no user.
    public let username: String?
    public let role: Role
    public let credential: Credential
    public let address: IPAddress?
    /// A session that must enrol a second factor before it may do anything else.
    public let mustEnrol: Bool

    public init(username: String?, role: Role, credential: Credential, address: IPAddress?, mustEnrol: Bool = false) {
        self.username = username
        self.role = role
        self.credential = credential
        self.address = address
        self.mustEnrol = mustEnrol
    }

    public static let socket = AdminCaller(username: nil, role: .superAdministrator, credential: .socket, address: nil)

    /// As events name it: `alice (token ci)`, `alice (session)`, `local socket`.
    public var actor: String {
        switch credential {
        case .socket: "local socket"
        case .token(_, let name): "\(username ?? "?") (token \(name))"
        case .session: "\(username ?? "?") (session)"
        case .ssh: "\(username ?? "?") (ssh)"
        }
    }

    /// Whether the caller meets `requirement`; a session still enrolling meets only `signedIn`.
    public func meets(_ requirement: AccessRequirement) -> Bool {
        if mustEnrol, requirement != .signedIn, requirement != .anyone { return false }
        return role.meets(requirement)
    }

    /// The caller of the operation running now (set by the route for the handler's duration).
    @TaskLocal public static var current: AdminCaller?
}
