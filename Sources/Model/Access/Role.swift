/// A set of permissions by category, with an extension scope, and the seed's built-in roles. Custom roles are stored
/// beside them. A role name that is not known (a user whose custom role was damaged) allows nothing: access fails
/// closed.
public struct Role: Sendable, Equatable, Codable {
    public let name: String
    public let categories: [PermissionCategory: Access]
    /// Which extensions the extension-related permissions reach.
    public let scope: ExtensionScope
    /// Everything, always (the Super Administrator).
    public let isEverything: Bool

    public init(name: String, categories: [PermissionCategory: Access], scope: ExtensionScope = .all, isEverything: Bool = false) {
        self.name = name
        self.categories = categories
        self.scope = scope
        self.isEverything = isEverything
    }

    public func allows(_ permission: Permission) -> Bool {
        isEverything || (categories[permission.category].map { $0 >= permission.access } ?? false)
    }

    /// Manages the system (users, tokens, configuration): its logins and password changes are the administrator events.
    public var isAdministrator: Bool { allows(Permission(.system, .manage)) }

    /// Whether the role reaches the extension numbered `number`.
    public func covers(extension number: String) -> Bool { isEverything || scope.contains(number) }

    /// Allows nothing: what a caller whose role cannot be read gets.
    public static func nothing(named name: String) -> Role { Role(name: name, categories: [:], scope: ExtensionScope("0")!) }

    public var isBuiltIn: Bool { Role.builtIn(named: name) != nil }

    /// The role a stored name stands for; nil for a name no built-in role has.
    public static func builtIn(named name: String) -> Role? { builtIns.first { $0.name == name } }

    public static let superAdministrator = Role(name: "Super Administrator", categories: [:], isEverything: true)
    public static let administrator = Role(name: "Administrator",
                                           categories: Dictionary(uniqueKeysWithValues: PermissionCategory.allCases.map { ($0, .manage) }))

    /// The seed's built-in roles. The Administrator has every category but cannot manage roles (the Super
    /// Administrator's alone); the Operator has Security and Maintenance; the Employee nothing beyond their own account.
    public static let builtIns: [Role] = [
        superAdministrator,
        administrator,
        Role(name: "Supervisor", categories: [.extensionsAndTrunks: .view, .callControl: .manage, .callFeatures: .view,
                                              .reportsAndRecordings: .view]),
        Role(name: "Operator", categories: [.security: .manage, .maintenance: .manage]),
        Role(name: "Employee", categories: [:]),
        Role(name: "Human Resource", categories: [.extensionsAndTrunks: .manage]),
        Role(name: "Accounting", categories: [.reportsAndRecordings: .view]),
    ]

    private enum CodingKeys: String, CodingKey {
        case name, permissions, scope
    }

    /// Stored and shown as `{"name", "permissions": {"Security": "manage", ...}, "scope": "all"}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        var categories: [PermissionCategory: Access] = [:]
        for (key, access) in try container.decode([String: Access].self, forKey: .permissions) {
            guard let category = PermissionCategory(rawValue: key) else {
                throw DecodingError.dataCorruptedError(forKey: .permissions, in: container, debugDescription: "no permission category '\(key.prefix(40))'")
            }
            categories[category] = access
        }
        self.categories = categories
        scope = try container.decodeIfPresent(ExtensionScope.self, forKey: .scope) ?? .all
        isEverything = false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        let permissions = isEverything ? Dictionary(uniqueKeysWithValues: PermissionCategory.allCases.map { ($0.rawValue, Access.manage) })
            : Dictionary(uniqueKeysWithValues: categories.map { ($0.key.rawValue, $0.value) })
        try container.encode(permissions, forKey: .permissions)
        try container.encode(scope, forKey: .scope)
    }
}

extension Role {
    /// Whether this role may do everything `other` may, over at least the same extensions: who holds it may give
    /// `other` to someone, or act on the account of someone who has it, without gaining anything.
    public func includes(_ other: Role) -> Bool {
        if isEverything { return true }
        if other.isEverything { return false }
        let categoriesIncluded = other.categories.allSatisfy { category, access in (categories[category]).map { $0 >= access } ?? false }
        return categoriesIncluded && (scope == .all || scope == other.scope)
    }
}
