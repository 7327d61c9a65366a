import Foundation

/// One entry of the block list, with the columns an operator needs to judge it: who, what was attacked, which
/// rule fired, until when, and how often the source came back while blocked.
public struct NetworkBlockRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    /// An address or CIDR range.
    public var source: String
    /// `auto defense`, `extension registration`, `Web Login`, `API Authentication` or `manual`.
    public var defenseType: String
    /// `ip`, or `ip+account` (the source is refused only for `account`).
    public var blockType: String
    /// The service blocked (`sip`, `api`, ...); nil blocks every service.
    public var service: String?
    /// The account attacked; a login's names its kind (`WebUser:alice`) and is then the block's range.
    public var account: String?
    public var `protocol`: String?
    public var port: Int?
    public var attackedAt: Date
    public var rule: String
    public var note: String?
    public var createdAt: Date
    /// Nil for a permanent block.
    public var expiresAt: Date?
    public var hits: Int
    /// 1 for a first block of this source, 2 for the next within the escalation memory, ...
    public var offense: Int

    /// What the block covers, as the block list shows it: `WebUser:NAME` for a login block, else the service.
    public var range: String {
        if let account, account.hasPrefix("WebUser:") { return account }
        return service.map { "service \($0)" } ?? "all services"
    }

    public init(id: Int64? = nil, source: String, defenseType: String, blockType: String = "ip", service: String? = nil,
                account: String? = nil, protocol: String? = nil, port: Int? = nil, attackedAt: Date, rule: String,
                note: String? = nil, createdAt: Date, expiresAt: Date?, hits: Int = 0, offense: Int = 1) {
        self.id = id
        self.source = source
        self.defenseType = defenseType
        self.blockType = blockType
        self.service = service
        self.account = account
        self.protocol = `protocol`
        self.port = port
        self.attackedAt = attackedAt
        self.rule = rule
        self.note = note
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.hits = hits
        self.offense = offense
    }
}

/// Filters for the block list; results newest first.
public struct NetworkBlockQuery: Sendable, Equatable {
    public var source: String?
    public var defenseType: String?
    public var limit: Int

    public init(source: String? = nil, defenseType: String? = nil, limit: Int = 1_000) {
        self.source = source
        self.defenseType = defenseType
        self.limit = max(1, min(limit, 1_000_000))
    }
}
