import GeoIP

/// Counts failed registrations per source, per (source, account) and per account, and says when to block a source
/// or lock an account. Pure state: the caller passes the time and carries out the verdict. Every table is bounded.
public struct RegistrationLockout: Sendable {
    struct Pair: Hashable, Sendable {
        let source: IPAddress
        let account: String
    }

    struct Counter: Sendable {
        var start: Int64
        var count: Int

        /// Counts one more within a fixed window that restarts once it has passed.
        mutating func add(at now: Int64, window: Int64) -> Int {
            if now - start >= window {
                start = now
                count = 0
            }
            count += 1
            return count
        }
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
    private var sources: [IPAddress: Counter] = [:]
    private var pairs: [Pair: Counter] = [:]
    /// Pairs that registered successfully, with when they last did.
    private var trusted: [Pair: Int64] = [:]
    private var accounts: [String: Counter] = [:]
    private var lockedUntil: [String: Int64] = [:]

    public init(settings: RegistrationLockoutSettings = RegistrationLockoutSettings(), capacity: Int = 100_000) {
        self.settings = settings
        self.capacity = capacity
    }

    /// `account` is the user name tried; `known` whether it exists (only real accounts are counted and locked).
    public mutating func failure(source: IPAddress, account: String?, known: Bool, now: Int64) -> Outcome {
        let window = Int64(settings.window)
        let pair = account.map { Pair(source: source, account: $0) }
        let isTrusted = known && pair.map { trusted[$0] != nil } == true
        var outcome = Outcome(sourceFailures: 0, accountFailures: 0, blockSource: false, lockAccount: false, trustedPair: isTrusted)
        if isTrusted, let pair {
            outcome.sourceFailures = RegistrationLockout.add(to: &pairs, pair, now: now, window: window, capacity: capacity)
            outcome.blockSource = outcome.sourceFailures == settings.failuresPerTrustedPair
        } else {
            outcome.sourceFailures = RegistrationLockout.add(to: &sources, source, now: now, window: window, capacity: capacity)
            outcome.blockSource = outcome.sourceFailures == settings.failuresPerSource
        }
        if known, let account {
            outcome.accountFailures = RegistrationLockout.add(to: &accounts, account, now: now, window: Int64(settings.accountWindow),
                                                              capacity: capacity)
            if outcome.accountFailures >= settings.failuresPerAccount, !isLocked(account, now: now) {
                lockedUntil[account] = now + Int64(settings.accountLockDuration)
                accounts[account] = nil
                outcome.lockAccount = true
            }
        }
        return outcome
    }

    /// A successful registration clears its pair's failures and trusts the pair from now on.
    public mutating func success(source: IPAddress, account: String, now: Int64) {
        let pair = Pair(source: source, account: account)
        pairs[pair] = nil
        if trusted[pair] == nil, trusted.count >= capacity, let stalest = trusted.min(by: { $0.value < $1.value }) {
            trusted[stalest.key] = nil
        }
        trusted[pair] = now
    }

    /// Whether `account` is locked for `source`: pairs that registered it before keep working.
    public func refuses(account: String, from source: IPAddress, now: Int64) -> Bool {
        isLocked(account, now: now) && trusted[Pair(source: source, account: account)] == nil
    }

    public func isLocked(_ account: String, now: Int64) -> Bool {
        (lockedUntil[account] ?? 0) > now
    }

    private static func add<Key: Hashable>(to table: inout [Key: Counter], _ key: Key, now: Int64, window: Int64, capacity: Int) -> Int {
        if table[key] == nil, table.count >= capacity {
            // Full: forget finished windows first, then anything, so a flood of sources stays bounded.
            table = table.filter { now - $0.value.start < window }
            if table.count >= capacity { table.remove(at: table.startIndex) }
        }
        return table[key, default: Counter(start: now, count: 0)].add(at: now, window: window)
    }
}
