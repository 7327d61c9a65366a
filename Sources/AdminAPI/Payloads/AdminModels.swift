import Foundation
import Events
import Model
import SIPStack
import Storage

/// Body of `POST /api/v1/extensions`.
public struct CreateExtensionRequest: StrictCodable {
    public var number: String
    /// The digest user name; omitted, the number.
    public var registrationName: String?
    public var name: String?
    /// Omit to have a strong password generated and returned once.
    public var password: String?
    /// Registration policy; omitted fields take the defaults (any device, anywhere, one device at a time). Giving
    /// prefixes switches the User-Agent check on unless `restrictUserAgents` says otherwise.
    public var restrictUserAgents: Bool?
    public var userAgentPrefixes: [String]?
    public var permittedNetworks: [String]?
    public var maxRegistrations: Int?
    public var replaceOldestRegistration: Bool?
    /// Outbound restrictions; omitted: none (the global duration limit and the `default` frequency rule).
    public var outbound: ExtensionCallRules?

    public init(number: String, registrationName: String? = nil, name: String? = nil, password: String? = nil,
                restrictUserAgents: Bool? = nil, userAgentPrefixes: [String]? = nil, permittedNetworks: [String]? = nil,
                maxRegistrations: Int? = nil, replaceOldestRegistration: Bool? = nil, outbound: ExtensionCallRules? = nil) {
        self.outbound = outbound
        self.number = number
        self.registrationName = registrationName
        self.name = name
        self.password = password
        self.restrictUserAgents = restrictUserAgents
        self.userAgentPrefixes = userAgentPrefixes
        self.permittedNetworks = permittedNetworks
        self.maxRegistrations = maxRegistrations
        self.replaceOldestRegistration = replaceOldestRegistration
    }

    public init() {
        self.init(number: "")
    }

    public static let fields: [StrictField<CreateExtensionRequest>] = [
        .required("number", \.number), .init("registrationName", \.registrationName), .init("name", \.name), .init("password", \.password),
        .init("restrictUserAgents", \.restrictUserAgents), .init("userAgentPrefixes", \.userAgentPrefixes),
        .init("permittedNetworks", \.permittedNetworks), .init("maxRegistrations", \.maxRegistrations),
        .init("replaceOldestRegistration", \.replaceOldestRegistration), .init("outbound", \.outbound),
    ]
}

/// Body of `PATCH /api/v1/extensions/{number}`: omitted fields stay as they are; an empty list lifts a restriction.
public struct UpdateExtensionRequest: StrictCodable {
    /// A new digest user name needs a new password too: the stored digests are computed over the name.
    public var registrationName: String?
    public var name: String?
    public var password: String?
    /// Generate a new password and return it once.
    public var generatePassword: Bool?
    /// Switches the User-Agent check on or off; new prefixes alone switch it on.
    public var restrictUserAgents: Bool?
    public var userAgentPrefixes: [String]?
    public var permittedNetworks: [String]?
    public var maxRegistrations: Int?
    public var replaceOldestRegistration: Bool?
    /// Replaces the outbound restrictions as a whole.
    public var outbound: ExtensionCallRules?

    public init(registrationName: String? = nil, name: String? = nil, password: String? = nil, generatePassword: Bool? = nil,
                restrictUserAgents: Bool? = nil, userAgentPrefixes: [String]? = nil, permittedNetworks: [String]? = nil,
                maxRegistrations: Int? = nil, replaceOldestRegistration: Bool? = nil, outbound: ExtensionCallRules? = nil) {
        self.outbound = outbound
        self.registrationName = registrationName
        self.name = name
        self.password = password
        self.generatePassword = generatePassword
        self.restrictUserAgents = restrictUserAgents
        self.userAgentPrefixes = userAgentPrefixes
        self.permittedNetworks = permittedNetworks
        self.maxRegistrations = maxRegistrations
        self.replaceOldestRegistration = replaceOldestRegistration
    }

    public init() {
        self.init(registrationName: nil)
    }

    public static let fields: [StrictField<UpdateExtensionRequest>] = [
        .init("registrationName", \.registrationName), .init("name", \.name), .init("password", \.password),
        .init("generatePassword", \.generatePassword), .init("restrictUserAgents", \.restrictUserAgents),
        .init("userAgentPrefixes", \.userAgentPrefixes), .init("permittedNetworks", \.permittedNetworks),
        .init("maxRegistrations", \.maxRegistrations), .init("replaceOldestRegistration", \.replaceOldestRegistration),
        .init("outbound", \.outbound),
    ]

    /// `policy` with this request's changes.
    func applied(to policy: ExtensionPolicy) -> ExtensionPolicy {
        var policy = policy
        if let userAgentPrefixes {
            policy.userAgentPrefixes = userAgentPrefixes
            policy.restrictsUserAgents = !userAgentPrefixes.isEmpty
        }
        if let restrictUserAgents { policy.restrictsUserAgents = restrictUserAgents }
        if let permittedNetworks { policy.permittedNetworks = permittedNetworks }
        if let maxRegistrations { policy.maxRegistrations = maxRegistrations }
        if let replaceOldestRegistration { policy.replaceOldest = replaceOldestRegistration }
        if let outbound { policy.calls = outbound }
        return policy
    }
}

/// An extension as the API shows it: never a secret.
public struct ExtensionView: Codable, Sendable, Equatable {
    public var number: String
    public var registrationName: String
    public var name: String?
    public var registeredContacts: Int
    /// Registration policy: the User-Agent check and its prefixes, permitted networks (empty: anywhere), devices at
    /// once.
    public var restrictUserAgents: Bool
    public var userAgentPrefixes: [String]
    public var permittedNetworks: [String]
    public var maxRegistrations: Int
    public var replaceOldestRegistration: Bool
    public var outbound: ExtensionCallRules
    public var createdAt: Date
    public var updatedAt: Date
}

/// Answer to create/update: `password` is present only when it was generated, and shown this once.
public struct ExtensionWithSecret: Codable, Sendable {
    public var `extension`: ExtensionView
    public var password: String?
}

public struct RegistrationView: Codable, Sendable, Equatable {
    public var `extension`: String
    public var contact: String
    public var expiresAt: Date
    public var expiresIn: Int
    public var source: String
    public var transport: String
    public var userAgent: String?
}

public struct EventView: Codable, Sendable, Equatable {
    public var id: Int64?
    public var time: Date
    public var name: String
    /// The catalogue's type of the event (operations, telephony, system, security).
    public var type: String
    public var category: String
    public var level: String
    public var fields: [String: String]
    /// Marked as read (`POST /api/v1/events/read`).
    public var read: Bool

    init(_ record: EventRecord) {
        id = record.id
        time = record.time
        name = record.name
        type = EventCatalogue.kind(named: record.name)?.type.rawValue ?? "system"
        category = record.category
        level = record.level
        fields = record.fields
        read = record.read
    }
}

public struct CreateTokenRequest: StrictCodable {
    public var name = ""
    /// Seconds the token works (60 s to 10 years); nil: until revoked.
    public var expiresIn: Int?
    /// The user it acts for; nil: the caller.
    public var user: String?

    public init() {}

    public init(name: String, expiresIn: Int? = nil, user: String? = nil) {
        self.name = name
        self.expiresIn = expiresIn
        self.user = user
    }

    public static let fields: [StrictField<CreateTokenRequest>] = [
        .required("name", \.name), .init("expiresIn", \.expiresIn), .init("user", \.user),
    ]
}

public struct TokenView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// The user it acts for, with their role.
    public var user: String
    public var createdAt: Date
    public var expiresAt: Date?
    /// To the minute.
    public var lastUsedAt: Date?

    init(_ record: APITokenRecord) {
        id = record.id
        name = record.name
        user = record.username
        createdAt = record.createdAt
        expiresAt = record.expiresAt
        lastUsedAt = record.lastUsedAt
    }
}

/// Answer to token creation: `token` is the secret, shown this once.
public struct CreatedToken: Codable, Sendable {
    public var token: String
    public var info: TokenView
}

/// Body of `POST /api/v1/setup`: the one-time setup token printed at first start.
public struct SetupRequest: StrictCodable {
    public var setupToken: String
    public var username: String
    public var password: String

    public init(setupToken: String, username: String, password: String) {
        self.setupToken = setupToken
        self.username = username
        self.password = password
    }

    public init() {
        self.init(setupToken: "", username: "", password: "")
    }

    public static let fields: [StrictField<SetupRequest>] = [
        .required("setupToken", \.setupToken), .required("username", \.username), .required("password", \.password),
    ]
}

/// Answer to `PUT /api/v1/config`.
public struct ConfigApplyResult: Codable, Sendable {
    public var extensionsCreated: Int
    public var extensionsUpdated: Int
    public var extensionsRemoved: Int
    /// Listener or limit changes take effect at the next start.
    public var restartRequired: Bool
}

public struct HealthView: Codable, Sendable {
    /// `ok`, or `degraded` (answered with 503) when a SIP listener no longer listens.
    public var status: String
    public var extensions: Int
    public var registrations: Int
    /// Calls in the router's table, ended ones included until their retransmissions are over (32 s).
    public var calls: Int
    /// Media relay sessions open (four sockets each).
    public var mediaSessions: Int
    /// Requests the PBX sent and still waits on (BYE, CANCEL, relayed requests).
    public var pendingRequests: Int
    /// Non-INVITE server transactions remembered to answer retransmissions (32 s after their answer).
    public var serverTransactions: Int
    /// Every SIP listener and its state.
    public var listeners: [SIPListenerStatus]
}
