import Foundation

/// An extension as stored: its secrets only as HA1 digests, never the password.
public struct ExtensionRecord: Sendable, Equatable, Codable {
    public var number: String
    /// The digest user name the extension's devices authenticate with; the number unless set otherwise, so that
    /// knowing the number is not half of the credentials. The HA1 digests are computed over it.
    public var registrationName: String
    public var displayName: String?
    public var ha1MD5: String
    public var ha1SHA256: String
    public var createdAt: Date
    public var updatedAt: Date
    public var policy: ExtensionPolicy

    public init(number: String, registrationName: String? = nil, displayName: String?, ha1MD5: String, ha1SHA256: String,
                createdAt: Date, updatedAt: Date, policy: ExtensionPolicy = ExtensionPolicy()) {
        self.number = number
        self.registrationName = registrationName ?? number
        self.displayName = displayName
        self.ha1MD5 = ha1MD5
        self.ha1SHA256 = ha1SHA256
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.policy = policy
    }
}

/// One registered contact of an address of record.
public struct BindingRecord: Sendable, Equatable, Codable {
    public var aor: String
    public var contact: String
    public var expiresAt: Date
    public var callID: String
    public var cseq: UInt32
    public var source: String
    public var transport: String
    public var userAgent: String?
    public var updatedAt: Date
    /// The cluster node that holds the device's flow (nil on a single node): only it can reach the device.
    public var node: String?

    public init(aor: String, contact: String, expiresAt: Date, callID: String, cseq: UInt32, source: String,
                transport: String, userAgent: String?, updatedAt: Date, node: String? = nil) {
        self.node = node
        self.aor = aor
        self.contact = contact
        self.expiresAt = expiresAt
        self.callID = callID
        self.cseq = cseq
        self.source = source
        self.transport = transport
        self.userAgent = userAgent
        self.updatedAt = updatedAt
    }
}

/// A change the location service writes behind.
public enum BindingChange: Sendable, Equatable {
    case upsert(BindingRecord)
    /// Removes the contact only while `node` holds it: a phone that moved to another node keeps its new binding.
    case remove(aor: String, contact: String, node: String? = nil)
}

/// One entry of the event log.
public struct EventRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    public var time: Date
    public var name: String
    public var category: String
    public var level: String
    /// Structured facts (source IP, account, reason...), stored as JSON.
    public var fields: [String: String]
    /// Marked as read by someone who went through the log (the seed's read/unread status).
    public var read: Bool

    public init(id: Int64? = nil, time: Date, name: String, category: String, level: String, fields: [String: String], read: Bool = false) {
        self.id = id
        self.read = read
        self.time = time
        self.name = name
        self.category = category
        self.level = level
        self.fields = fields
    }
}

/// Filters for the event log; every field optional, results newest first.
public struct EventQuery: Sendable, Equatable {
    public var since: Date?
    public var until: Date?
    public var names: [String]
    public var category: String?
    public var level: String?
    /// true: only read events; false: only unread ones.
    public var read: Bool?
    public var limit: Int

    public init(since: Date? = nil, until: Date? = nil, names: [String] = [], category: String? = nil, level: String? = nil, read: Bool? = nil,
                limit: Int = 100) {
        self.read = read
        self.since = since
        self.until = until
        self.names = names
        self.category = category
        self.level = level
        self.limit = max(1, min(limit, 10_000))
    }
}

/// What the event log's retention removes in one pass: other events before `before`, security events (`security`,
/// by name) before `securityBefore`, then the oldest past `keeping` events, others before security ones.
public struct EventPruning: Sendable, Equatable {
    public var before: Date
    public var securityBefore: Date
    public var keeping: Int
    public var security: [String]

    public init(before: Date, securityBefore: Date, keeping: Int, security: [String]) {
        self.before = before
        self.securityBefore = securityBefore
        self.keeping = keeping
        self.security = security
    }
}
