import GeoIP
import NIOCore

/// What the console asks of the rest of Portcullis: whether a key opens a session, that a refused connection be
/// counted, and to run one admin command as the session's user. The SSH side holds no users, keys or commands.
public protocol ConsoleGate: Sendable {
    /// A login whose signature NIOSSH verified: the user when the key is one of theirs and the login lockout lets
    /// the source in; nil otherwise (the connection then reports it through `refused`, once).
    func login(_ attempt: SSHLoginAttempt) async -> ConsoleUser?
    /// A connection's failed login (a password, a key that is nobody's, none accepted): counted and raised.
    func refused(_ attempt: SSHLoginAttempt) async
    /// Runs one admin command (the CLI's words) as `user`, writing what the CLI would print; the exit status.
    func run(_ arguments: [String], as user: ConsoleUser, output: ConsoleOutput) async -> Int32
    /// How long a session may sit idle: the portal's idle timeout.
    func idleTimeout() async -> TimeAmount
    /// Whether the user and key a session logged in with still open one; asked again for every open session when
    /// keys or users change, so that removing a key or a user ends what it opened (false when it cannot be read).
    func allows(_ user: ConsoleUser) async -> Bool
}

/// One try at logging in, as the lockout and the events see it.
public struct SSHLoginAttempt: Sendable {
    public enum Method: Sendable, Equatable {
        case publicKey(fingerprint: String)
        case password
        /// The connection ended (or timed out) without offering a key that was accepted.
        case noAcceptedKey
    }

    public var username: String
    public var method: Method
    public var source: IPAddress?
    public var port: Int
}

/// The user a console session acts for.
public struct ConsoleUser: Sendable {
    public var username: String
    public var fingerprint: String
    public var source: IPAddress?
    public var port: Int

    public init(username: String, fingerprint: String, source: IPAddress?, port: Int) {
        self.username = username
        self.fingerprint = fingerprint
        self.source = source
        self.port = port
    }
}
