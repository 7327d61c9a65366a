import GeoIP

/// Counts failed registrations per source, per (source, account) and per account, and says when to block a source
/// or lock an account. Pure state: the caller passes the time and carries out the verdict. Every table is bounded.
public struct RegistrationLockout: Sendable {
    struct Pair: Hashable, Sendable {
        let source: IPAddress
        let account: String
    }

    /// What one failure led to.
    public struct Outcome: Sendable, Equatable {
        /// Failures that count against the source (its untrusted failures, or its trusted pair's).
        public var sourceFailures: Int
        public var accountFailures: Int
        /// The source reached its threshold now.
        public var blockSource: Bool
        /// The account reached its threshold now and is locked.
        public var lockAccount: Bool
        public var trustedPair: Bool
    }

    public var settings: RegistrationLockoutSettings
    public let capacity: Int
    private var sources: FailureCounters<IPAddress>
    private var pairs: FailureCounters<Pair>
    /// Pairs that registered successfully, with when they last did.
    private var trusted: [Pair: Int64] = [:]
    private var accounts: FailureCounters<String>
    private var locked: Deadlines<String>

    public init(settings: RegistrationLockoutSettings = RegistrationLockoutSettings(), capacity: Int = 100_000) {
        self.settings = settings
        self.capacity = capacity
        sources = FailureCounters(capacity: capacity)
        pairs = FailureCounters(capacity: capacity)
        accounts = FailureCounters(capacity: capacity)
        locked = Deadlines(capacity: capacity)
    }

    /// `account` is the user name tried; `known` whether it exists (only real accounts are counted and locked).
    public mutating func failure(source: IPAddress, account: String?, known: Bool, now: Int64) -> Outcome {
        let window = Int64(settings.window)
        let pair = account.map { Pair(source: source, account: $0) }
        let isTrusted = known && pair.map { trusted[$0] != nil } == true
        var outcome = Outcome(sourceFailures: 0, accountFailures: 0, blockSource: false, lockAccount: false, trustedPair: isTrusted)
        if isTrusted, let pair {
            outcome.sourceFailures = pairs.add(pair, now: now, window: window)
            outcome.blockSource = outcome.sourceFailures == settings.failuresPerTrustedPair
        } else {
            outcome.sourceFailures = sources.add(source, now: now, window: window)
            outcome.blockSource = outcome.sourceFailures == settings.failuresPerSource
        }
        if known, let account {
            outcome.accountFailures = accounts.add(account, now: now, window: Int64(settings.accountWindow))
            if outcome.accountFailures >= settings.failuresPerAccount, !isLocked(account, now: now) {
                locked.hold(account, until: now + Int64(settings.accountLockDuration), now: now)
                accounts.reset(account)
                outcome.lockAccount = true
            }
        }
        return outcome
    }

    /// A successful registration clears its pair's failures and trusts the pair from now on; true when the pair was
    /// not trusted before (a refresh of a known pair is not news for the other nodes of a cluster).
    @discardableResult
    public mutating func success(source: IPAddress, account: String, now: Int64) -> Bool {
        let pair = Pair(source: source, account: account)
        pairs.reset(pair)
        let isNew = trusted[pair] == nil
        if isNew, trusted.count >= capacity, let stalest = trusted.min(by: { $0.value < $1.value }) {
            trusted[stalest.key] = nil
        }
        trusted[pair] = now
        return isNew
    }

    /// Whether `account` is locked for `source`: pairs that registered it before keep working.
    public func refuses(account: String, from source: IPAddress, now: Int64) -> Bool {
        isLocked(account, now: now) && trusted[Pair(source: source, account: account)] == nil
    }

    public func isLocked(_ account: String, now: Int64) -> Bool {
        locked.isHeld(account, now: now)
    }
}
