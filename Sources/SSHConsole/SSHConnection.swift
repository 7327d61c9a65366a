import GeoIP
import NIOCore
import Synchronization

/// One TCP connection to the console, from accept to close: where it came from, who it logged in as, and whether
/// its failure was already counted. A connection counts as at most one failed login (however many keys an agent
/// offers); passwords are never accepted, so more guesses on one connection gain nothing.
final class SSHConnection: Sendable {
    let source: IPAddress?
    let port: Int
    let gate: any ConsoleGate
    private let state = Mutex(State())

    private struct State {
        var user: ConsoleUser?
        /// The name the client gave in its last authentication request; nil before the first.
        var username: String?
        var counted = false
        var sessions = 0
    }

    /// Session channels one connection may have open at once.
    static let maximumSessions = 4

    init(source: IPAddress?, port: Int, gate: any ConsoleGate) {
        self.source = source
        self.port = port
        self.gate = gate
    }

    var user: ConsoleUser? { state.withLock { $0.user } }

    func attempt(_ username: String, _ method: SSHLoginAttempt.Method) -> SSHLoginAttempt {
        state.withLock { $0.username = username }
        return SSHLoginAttempt(username: username, method: method, source: source, port: port)
    }

    func loggedIn(_ user: ConsoleUser) { state.withLock { $0.user = user } }

    /// Counts `attempt` as the connection's failed login, the first time only.
    func refused(_ attempt: SSHLoginAttempt) async {
        let first = state.withLock { state in
            defer { state.counted = true }
            return !state.counted && state.user == nil
        }
        if first { await gate.refused(attempt) }
    }

    /// At close or timeout: a client that asked to log in and never got in is one failed login.
    func ended() async {
        guard let username = state.withLock({ $0.user == nil ? $0.username : nil }) else { return }
        await refused(SSHLoginAttempt(username: username, method: .noAcceptedKey, source: source, port: port))
    }

    func openSession() -> Bool {
        state.withLock { state in
            guard state.user != nil, state.sessions < SSHConnection.maximumSessions else { return false }
            state.sessions += 1
            return true
        }
    }

    func closeSession() { state.withLock { $0.sessions -= 1 } }
}
