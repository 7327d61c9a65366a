import Defense
import Events
import Foundation
import GeoIP
import Synchronization

/// Carries out `RegistrationLockout` for the registrar: counts failures as they happen on the event loop, blocks a
/// source through the network guard at once (its next packet is dropped before parsing), locks accounts, and
/// raises the events. Locks are held for microseconds; nothing here awaits.
public final class RegistrationGuard: Sendable {
    public static let defenseType = "extension registration"

    private let lockout: Mutex<RegistrationLockout>
    private let scanners: Mutex<ScannerPolicy.Matcher>
    private let shards: NetworkGuardShards?
    private let publish: @Sendable (PortcullisEvent) -> Void
    /// Told of every failure and success counted here, for the other nodes of a cluster; nil on a single node.
    private let replication = Mutex<(@Sendable (RegistrationResult) -> Void)?>(nil)

    public init(settings: RegistrationLockoutSettings = RegistrationLockoutSettings(), scanners: ScannerPolicy = ScannerPolicy(),
                shards: NetworkGuardShards?, publish: @escaping @Sendable (PortcullisEvent) -> Void) {
        lockout = Mutex(RegistrationLockout(settings: settings))
        self.scanners = Mutex(ScannerPolicy.Matcher(scanners))
        self.shards = shards
        self.publish = publish
    }

    /// New thresholds apply from the next failure; counts so far are kept.
    public func update(_ settings: RegistrationLockoutSettings, scanners policy: ScannerPolicy) {
        lockout.withLock { $0.settings = settings }
        scanners.withLock { $0 = ScannerPolicy.Matcher(policy) }
    }

    /// Whether a request with this User-Agent must go unanswered; with the `block` action its source is blocked at
    /// once and "Extension Registration Blocked Out" names the scanner.
    public func isScanner(_ attempt: RegistrationAttempt, method: String, now: Date) -> Bool {
        guard let userAgent = attempt.userAgent else { return false }
        let policy = scanners.withLock { $0 }
        guard let scanner = policy.scanner(in: userAgent) else { return false }
        if policy.action == .block {
            var details = RegistrationGuard.details(attempt, reason: "scanner user agent '\(scanner)'", attempts: 1)
            details["method"] = method
            block(attempt, rule: "scanner user agent", duration: lockout.withLock { $0.settings.blockDuration }, details: details, now: now)
        }
        return true
    }

    /// Whether `account` is locked against `address` (which never registered it) after distributed guessing.
    public func refuses(account: String, from address: IPAddress, now: Date) -> Bool {
        lockout.withLock { $0.refuses(account: account, from: address, now: Int64(now.timeIntervalSince1970)) }
    }

    /// Sends every result counted here to `replicate` (the cluster's bus), so every node counts the cluster's.
    public func replicate(to replicate: @escaping @Sendable (RegistrationResult) -> Void) {
        replication.withLock { $0 = replicate }
    }

    /// A result another node counted: counted here too, so a guess spread over the nodes locks the account as if it
    /// hit one node, and an address that registered an account on one node is trusted on all. The node that saw it
    /// blocks its source; an account lock is announced by whichever node's count crosses the threshold.
    public func adopt(_ result: RegistrationResult) {
        guard let address = IPAddress(result.address) else { return }
        let now = Int64(result.time.timeIntervalSince1970)
        let (outcome, settings) = lockout.withLock { lockout -> (RegistrationLockout.Outcome?, RegistrationLockoutSettings) in
            if result.succeeded, let account = result.account {
                _ = lockout.success(source: address, account: account, now: now)
                return (nil, lockout.settings)
            }
            return (lockout.failure(source: address, account: result.account, known: result.known, now: now), lockout.settings)
        }
        if let outcome, outcome.lockAccount, let account = result.account {
            accountLocked(account, outcome: outcome, settings: settings, lastSource: address, now: result.time)
        }
    }

    /// One failed attempt: wrong password, unknown user, locked account, ...
    public func failed(_ attempt: RegistrationAttempt, known: Bool, reason: String, now: Date) {
        replication.withLock { $0 }?(RegistrationResult(address: attempt.address, account: attempt.account, known: known, succeeded: false, time: now))
        let (outcome, settings) = lockout.withLock {
            ($0.failure(source: attempt.address, account: attempt.account, known: known, now: Int64(now.timeIntervalSince1970)), $0.settings)
        }
        if outcome.blockSource {
            var details = RegistrationGuard.details(attempt, reason: reason, attempts: outcome.sourceFailures)
            let limit = outcome.trustedPair ? settings.failuresPerTrustedPair : settings.failuresPerSource
            details["limit"] = "\(limit) failures / \(settings.window)s\(outcome.trustedPair ? " (a pair that registered before)" : "")"
            block(attempt, rule: "registration failures", duration: settings.blockDuration, details: details, now: now)
        }
        if outcome.lockAccount, let account = attempt.account {
            accountLocked(account, outcome: outcome, settings: settings, lastSource: attempt.address, now: now)
        }
    }

    /// "Extension Registration Locked", from the node whose count crossed the threshold: its own failure or one
    /// another node announced (then each node that crosses says so, naming itself).
    private func accountLocked(_ account: String, outcome: RegistrationLockout.Outcome, settings: RegistrationLockoutSettings,
                               lastSource: IPAddress, now: Date) {
        publish(PortcullisEvent(EventCatalogue.registrationLocked, time: now, fields: [
            "account": account, "attempts": String(outcome.accountFailures),
            "limit": "\(settings.failuresPerAccount) failures / \(settings.accountWindow)s from any address",
            "lockedFor": "\(settings.accountLockDuration)s", "rule": "distributed guessing", "lastSource": lastSource.description,
            "note": "addresses that registered this account before keep working",
        ]))
    }

    /// Blocks the attempt's source for SIP through the network guard, at once, recorded as a registration block.
    private func block(_ attempt: RegistrationAttempt, rule: String, duration: Int, details: [String: String], now: Date) {
        guard let shards else { return }
        shards.block(AutomaticBlock(
            source: shards.unit(of: attempt.address),
            endpoint: NetworkEndpoint(service: .sip, transport: attempt.transport, port: attempt.localPort),
            defenseType: RegistrationGuard.defenseType, rule: rule, baseDuration: duration, time: Int64(now.timeIntervalSince1970 * 1e9),
            event: EventCatalogue.registrationBlocked, details: details))
    }

    /// The event fields every registration block carries.
    private static func details(_ attempt: RegistrationAttempt, reason: String, attempts: Int) -> [String: String] {
        var details = ["ip": attempt.address.description, "sourcePort": String(attempt.port), "transport": attempt.transport.rawValue,
                       "reason": reason, "attempts": String(attempts)]
        details["account"] = attempt.account
        details["userAgent"] = attempt.userAgent
        return details
    }

    public func succeeded(_ attempt: RegistrationAttempt, account: String, now: Date) {
        guard lockout.withLock({ $0.success(source: attempt.address, account: account, now: Int64(now.timeIntervalSince1970)) }) else { return }
        replication.withLock { $0 }?(RegistrationResult(address: attempt.address, account: account, known: true, succeeded: true, time: now))
    }
}

/// Who tried to register, as the lockout and its events need it.
public struct RegistrationAttempt: Sendable {
    public var address: IPAddress
    public var port: Int
    public var localPort: Int
    public var transport: TransportProtocol
    public var account: String?
    public var userAgent: String?

    public init(address: IPAddress, port: Int, localPort: Int, transport: TransportProtocol, account: String?, userAgent: String?) {
        self.address = address
        self.port = port
        self.localPort = localPort
        self.transport = transport
        self.account = account
        self.userAgent = userAgent
    }
}

/// A counted registration, failed or not, as the nodes of a cluster tell each other of it.
public struct RegistrationResult: Codable, Sendable, Equatable {
    /// The source address, as text.
    public var address: String
    public var account: String?
    public var known: Bool
    public var succeeded: Bool
    public var time: Date

    public init(address: IPAddress, account: String?, known: Bool, succeeded: Bool, time: Date) {
        self.address = address.description
        self.account = account
        self.known = known
        self.succeeded = succeeded
        self.time = time
    }
}
