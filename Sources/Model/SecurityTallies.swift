import Foundation

/// What the security dashboard counts, read from the store in one go: attack signals per layer, blocks made, the
/// accounts attacked most and the sources of the newest blocks (for their countries).
public struct SecurityTallies: Sendable, Equatable {
    /// Warning and alert events per category (`network`, `registration`, `login`, `call`, ...) since the day's start
    /// and the week's start of the query.
    public var eventsLastDay: [String: Int] = [:]
    public var eventsLastWeek: [String: Int] = [:]
    /// Blocks made per defense type (`auto defense`, `extension registration`, `Web Login`, ...).
    public var blocksLastDay: [String: Int] = [:]
    public var blocksLastWeek: [String: Int] = [:]
    /// Blocks in force now.
    public var activeBlocks = 0
    /// The accounts named most by failed registrations and logins in the week, most first.
    public var targetedAccounts: [AccountCount] = []
    /// Sources of the newest blocks in force, newest first, at most `SecurityTalliesQuery.sourceSample`.
    public var recentSources: [String] = []

    public init() {}
}

public struct AccountCount: Sendable, Equatable, Codable {
    public var account: String
    public var count: Int

    public init(account: String, count: Int) {
        self.account = account
        self.count = count
    }
}

public struct SecurityTalliesQuery: Sendable, Equatable {
    public var now: Date
    public var dayStart: Date { now.addingTimeInterval(-86_400) }
    public var weekStart: Date { now.addingTimeInterval(-7 * 86_400) }
    /// How many accounts the tally names.
    public var topAccounts = 10
    /// How many block sources are looked up for countries: enough for the picture, bounded with a million blocks.
    public var sourceSample = 5_000

    public init(now: Date) {
        self.now = now
    }
}
