/// A set of permissions by category, with the seed's built-in roles. A role name that is not known (a stored token
/// of a role since removed) allows nothing: access fails closed.
public struct Role: Sendable, Equatable {
    public let name: String
    public let categories: [PermissionCategory: Access]
    /// Everything, always (the Super Administrator).
    public let isEverything: Bool

    public init(name: String, categories: [PermissionCategory: Access], isEverything: Bool = false) {
        self.name = name
        self.categories = categories
        self.isEverything = isEverything
    }

    public func allows(_ permission: Permission) -> Bool {
        isEverything || (categories[permission.category].map { $0 >= permission.access } ?? false)
    }

    /// The role a stored name stands for; nil for a name no built-in role has.
    public static func builtIn(named name: String) -> Role? { builtIns.first { $0.name == name } }

    public static let superAdministrator = Role(name: "Super Administrator", categories: [:], isEverything: true)

    /// The seed's built-in roles. The Administrator has every category (the Super Administrator's dashboard and role
    /// management are the Super Administrator's alone once they exist); the Operator has Security and Maintenance;
    /// the Employee nothing beyond their own account.
    public static let builtIns: [Role] = [
        superAdministrator,
        Role(name: "Administrator", categories: Dictionary(uniqueKeysWithValues: PermissionCategory.allCases.map { ($0, .manage) })),
        Role(name: "Supervisor", categories: [.extensionsAndTrunks: .view, .callControl: .manage, .callFeatures: .view,
                                              .reportsAndRecordings: .view]),
        Role(name: "Operator", categories: [.security: .manage, .maintenance: .manage]),
        Role(name: "Employee", categories: [:]),
        Role(name: "Human Resource", categories: [.extensionsAndTrunks: .manage]),
        Role(name: "Accounting", categories: [.reportsAndRecordings: .view]),
    ]
}
