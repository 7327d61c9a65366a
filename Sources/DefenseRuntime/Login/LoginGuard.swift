import Defense
import Events
import Foundation
import GeoIP
import Synchronization

/// Carries out `LoginLockout` for the admin API and portal: counts failed logins and bad API tokens, and blocks a
/// source through the network guard at once (its next connection is refused before a byte is read). The caller
/// raises the login events; the block's event is raised when the block is recorded. Nothing here awaits.
public final class LoginGuard: Sendable {
    public static let webLogin = "Web Login"
    public static let apiAuthentication = "API Authentication"

    private let lockout: Mutex<LoginLockout>
    private let shards: NetworkGuardShards?
    /// One-time codes accepted lately (second factors, recovery codes): two requests racing with the same code
    /// cannot both pass, whatever the store has written yet.
    private let usedCodes = Mutex(Deadlines<String>(capacity: 100_000))
    /// Told of every login counted here, for the other nodes of a cluster; nil on a single node.
    private let replication = Mutex<(@Sendable (LoginResult) -> Void)?>(nil)

    public init(settings: LoginDefenseSettings = LoginDefenseSettings(), shards: NetworkGuardShards?) {
        lockout = Mutex(LoginLockout(settings: settings))
        self.shards = shards
    }

    /// True the first time `code` (already checked, named with its user) is presented; false ever after.
    public func acceptOnce(_ code: String, now: Date) -> Bool {
        let seconds = Int64(now.timeIntervalSince1970)
        return usedCodes.withLock { used in
            guard !used.isHeld(code, now: seconds) else { return false }
            used.hold(code, until: seconds + LoginGuard.usedCodeMemory, now: seconds)
            return true
        }
    }

    public func update(_ settings: LoginDefenseSettings) { lockout.withLock { $0.settings = settings } }

    /// The settings in force: kept here so a session's idle check costs no store read.
    public var settings: LoginDefenseSettings { lockout.withLock { $0.settings } }

    public func refusal(account: String, from source: IPAddress, now: Date) -> LoginLockout.Refusal? {
        lockout.withLock { $0.refusal(account: account, from: source, now: Int64(now.timeIntervalSince1970)) }
    }

    public func isLocked(_ account: String, now: Date) -> Bool {
        lockout.withLock { $0.isLocked(account, now: Int64(now.timeIntervalSince1970)) }
    }

    /// Where a login was tried: the portal and API, or the SSH console. Both count towards one lockout (a guesser
    /// gains nothing by switching); the block names the one that tripped it.
    public enum Entrance: Sendable {
        /// `scheme` `HTTPS` or `HTTP`.
        case web(scheme: String)
        case ssh

        var defenseType: String { if case .web = self { LoginGuard.webLogin } else { "SSH Login" } }
        var rule: String { if case .web = self { "web login failures" } else { "SSH login failures" } }
        var event: EventKind { if case .web = self { EventCatalogue.webUserBlocked } else { EventCatalogue.sshBlocked } }
        var accountPrefix: String { if case .web = self { "WebUser" } else { "SSH" } }
        var scheme: String { if case .web(let scheme) = self { scheme } else { "SSH" } }
        public var isSSH: Bool { if case .ssh = self { true } else { false } }
    }

    /// One failed login: blocks the source when it reached the block threshold now. `endpoint` is the listener it
    /// came in on.
    public func failed(account: String, from source: IPAddress, known: Bool, endpoint: NetworkEndpoint, via entrance: Entrance,
                       now: Date) -> LoginLockout.Outcome {
        let (outcome, settings) = lockout.withLock {
            ($0.failure(account: account, from: source, known: known, now: Int64(now.timeIntervalSince1970)), $0.settings)
        }
        replication.withLock { $0 }?(LoginResult(account: account, address: source.description, known: known, succeeded: false, time: now))
        if outcome.blockSource {
            block(source, endpoint: endpoint, defenseType: entrance.defenseType, rule: entrance.rule, duration: settings.blockDuration,
                  event: entrance.event, details: [
                      "account": "\(entrance.accountPrefix):\(account.prefix(64))", "protocol": entrance.scheme,
                      "attempts": String(outcome.sourceFailures), "limit": "\(settings.failuresBeforeBlock) failures / \(settings.window)s",
                  ], now: now)
        }
        return outcome
    }

    public func succeeded(account: String, from source: IPAddress) {
        lockout.withLock { $0.success(account: account, from: source) }
        replication.withLock { $0 }?(LoginResult(account: account, address: source.description, known: true, succeeded: true, time: Date()))
    }

    /// Sends every login counted here to `replicate` (the cluster's bus), so every node counts the cluster's.
    public func replicate(to replicate: @escaping @Sendable (LoginResult) -> Void) {
        replication.withLock { $0 = replicate }
    }

    /// A login another node counted: counted here too, so guesses spread over the nodes lock the account and refuse
    /// the address as on one node. The node that saw it blocks the source; the answer (the failures against the
    /// account) says this count locked the account now, for the caller to announce.
    public func adopt(_ result: LoginResult) -> Int? {
        guard let address = IPAddress(result.address) else { return nil }
        return lockout.withLock { lockout in
            if result.succeeded {
                lockout.success(account: result.account, from: address)
                return nil
            }
            let outcome = lockout.failure(account: result.account, from: address, known: result.known, now: Int64(result.time.timeIntervalSince1970))
            return outcome.lockAccount ? outcome.accountFailures : nil
        }
    }

    /// One request with a bad API token; blocks the source after the configured run of them. True when it did.
    @discardableResult
    public func tokenFailed(from source: IPAddress, endpoint: NetworkEndpoint, scheme: String, now: Date) -> Bool {
        let (blocked, settings) = lockout.withLock { ($0.tokenFailure(from: source, now: Int64(now.timeIntervalSince1970)), $0.settings) }
        if blocked {
            block(source, endpoint: endpoint, defenseType: LoginGuard.apiAuthentication, rule: "API token failures",
                  duration: settings.blockDuration, event: EventCatalogue.apiAuthenticationBlocked, details: [
                      "protocol": scheme, "attempts": String(settings.tokenFailuresBeforeBlock),
                      "limit": "\(settings.tokenFailuresBeforeBlock) bad tokens in a row",
                  ], now: now)
        }
        return blocked
    }

    public func tokenSucceeded(from source: IPAddress) { lockout.withLock { $0.tokenSuccess(from: source) } }

    public func unlock(_ account: String) { lockout.withLock { $0.unlock(account) } }

    private func block(_ source: IPAddress, endpoint: NetworkEndpoint, defenseType: String, rule: String, duration: Int, event: EventKind,
                       details: [String: String], now: Date) {
        guard let shards else { return }
        shards.block(AutomaticBlock(source: shards.unit(of: source), endpoint: endpoint, defenseType: defenseType, rule: rule,
                                    baseDuration: duration, time: Int64(now.timeIntervalSince1970 * 1e9), event: event, details: details))
    }
}

extension LoginGuard {
    /// How long a used one-time code is remembered: longer than any code works (an email code, 10 minutes).
    static let usedCodeMemory: Int64 = 900
}

/// A counted login, failed or not, as the nodes of a cluster tell each other of it.
public struct LoginResult: Codable, Sendable, Equatable {
    public var account: String
    /// The source address, as text.
    public var address: String
    public var known: Bool
    public var succeeded: Bool
    public var time: Date

    public init(account: String, address: String, known: Bool, succeeded: Bool, time: Date) {
        self.account = account
        self.address = address
        self.known = known
        self.succeeded = succeeded
        self.time = time
    }
}
