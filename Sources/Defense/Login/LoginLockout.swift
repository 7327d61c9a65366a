import GeoIP

/// Counts failed logins (password and second factor) per address, per (address, account) and per account, and bad
/// API tokens per address; says when to refuse, block or lock. Pure state: the caller passes the time in seconds and
/// carries out the outcome. Every table is bounded.
public struct LoginLockout: Sendable {
    struct Pair: Hashable, Sendable {
        let source: IPAddress
        let account: String
    }

    /// Why an attempt is refused before its password is checked.
    public enum Refusal: Sendable, Equatable {
        /// The address (`account` nil) or the address for this account failed too often.
        case source(account: String?)
        /// The account's password login is locked after distributed guessing.
        case account
    }

    /// What one failure led to.
    public struct Outcome: Sendable, Equatable {
        public var sourceFailures = 0
        public var accountFailures = 0
        /// The address (or the pair) reached the refusal threshold now.
        public var refuseSource = false
        /// The address reached the block threshold now.
        public var blockSource = false
        /// The account reached its threshold now and is locked.
        public var lockAccount = false
    }

    public var settings: LoginDefenseSettings
    private var sources: FailureCounters<IPAddress>
    private var pairs: FailureCounters<Pair>
    private var accounts: FailureCounters<String>
    private var tokens: FailureCounters<IPAddress>
    private var refusedSources: Deadlines<IPAddress>
    private var refusedPairs: Deadlines<Pair>
    private var lockedAccounts: Deadlines<String>

    public init(settings: LoginDefenseSettings = LoginDefenseSettings(), capacity: Int = 100_000) {
        self.settings = settings
        sources = FailureCounters(capacity: capacity)
        pairs = FailureCounters(capacity: capacity)
        accounts = FailureCounters(capacity: capacity)
        tokens = FailureCounters(capacity: capacity)
        refusedSources = Deadlines(capacity: capacity)
        refusedPairs = Deadlines(capacity: capacity)
        lockedAccounts = Deadlines(capacity: capacity)
    }

    /// Whether a password login for `account` from `source` is refused without looking at the password.
    public func refusal(account: String, from source: IPAddress, now: Int64) -> Refusal? {
        if refusedSources.isHeld(source, now: now) { return .source(account: nil) }
        if refusedPairs.isHeld(Pair(source: source, account: account), now: now) { return .source(account: account) }
        if lockedAccounts.isHeld(account, now: now) { return .account }
        return nil
    }

    /// Whether the account's password login is locked (distributed guessing).
    public func isLocked(_ account: String, now: Int64) -> Bool { lockedAccounts.isHeld(account, now: now) }

    /// One failed login (refused attempts count too: a guesser who keeps going is blocked). `known`: the account
    /// exists (only real accounts are locked, so a flood of invented names cannot lock anyone out).
    public mutating func failure(account: String, from source: IPAddress, known: Bool, now: Int64) -> Outcome {
        var outcome = Outcome()
        let window = Int64(settings.window)
        let pair = Pair(source: source, account: account)
        outcome.sourceFailures = sources.add(source, now: now, window: window)
        let pairFailures = pairs.add(pair, now: now, window: window)
        let until = now + Int64(settings.refusalDuration)
        if outcome.sourceFailures == settings.failuresBeforeRefusal {
            refusedSources.hold(source, until: until, now: now)
            outcome.refuseSource = true
        } else if pairFailures == settings.failuresBeforeRefusal, !refusedSources.isHeld(source, now: now) {
            refusedPairs.hold(pair, until: until, now: now)
            outcome.refuseSource = true
        }
        outcome.blockSource = outcome.sourceFailures == settings.failuresBeforeBlock
        if known {
            outcome.accountFailures = accounts.add(account, now: now, window: Int64(settings.accountWindow))
            if outcome.accountFailures >= settings.failuresPerAccount, !lockedAccounts.isHeld(account, now: now) {
                lockedAccounts.hold(account, until: now + Int64(settings.accountLockDuration), now: now)
                accounts.reset(account)
                outcome.lockAccount = true
            }
        }
        return outcome
    }

    /// A successful login clears the pair's failures (the address's stay: they may be another account's).
    public mutating func success(account: String, from source: IPAddress) {
        pairs.reset(Pair(source: source, account: account))
    }

    /// One bad API token; true when the address reached the block threshold now.
    public mutating func tokenFailure(from source: IPAddress, now: Int64) -> Bool {
        tokens.add(source, now: now, window: Int64(settings.window)) == settings.tokenFailuresBeforeBlock
    }

    /// A good token ends the address's run of failures ("5 in a row").
    public mutating func tokenSuccess(from source: IPAddress) { tokens.reset(source) }

    /// An administrator lifted the account lock.
    public mutating func unlock(_ account: String) { lockedAccounts.release(account) }
}
