import Events
import Foundation
import Model
import Storage

/// The seed's built-in roles and custom roles built from permission categories with an extension scope. Managing
/// roles is the Super Administrator's alone.
extension AdminService {
    static let rolesKey = "access.roles"
    static let maxCustomRoles = 100

    /// Built-in roles first, then the custom ones.
    public func roles() async throws(AdminError) -> [RoleView] {
        Role.builtIns.map { RoleView($0, builtIn: true) } + (try await customRoles()).map { RoleView($0, builtIn: false) }
    }

    /// Custom roles as stored; a stored list that cannot be read is an error, never an empty list (users of those
    /// roles are then refused everything, not given a default).
    func customRoles() async throws(AdminError) -> [Role] {
        try await storeCall { try await store.stored([Role].self, key: AdminService.rolesKey) } ?? []
    }

    /// The role a user has now: built-in, custom, or (unknown or unreadable) one that allows nothing.
    func role(of user: AdminUserRecord) async -> Role {
        if let builtIn = Role.builtIn(named: user.role) { return builtIn }
        let custom = try? await customRoles()
        return custom?.first { $0.name == user.role } ?? .nothing(named: user.role)
    }

    /// The role named `name`, or an error listing the roles there are.
    func role(named name: String) async throws(AdminError) -> Role {
        if let builtIn = Role.builtIn(named: name) { return builtIn }
        let custom = try await customRoles()
        guard let role = custom.first(where: { $0.name == name }) else {
            let names = (Role.builtIns + custom).map(\.name).joined(separator: ", ")
            throw AdminError(.invalidInput, "role: no role named '\(name.prefix(40))' (\(names))", problems: ["role: no role named '\(name.prefix(40))'"])
        }
        return role
    }

    public func createRole(_ request: CreateRoleRequest) async throws(AdminError) -> [RoleView] {
        var problems: [String] = []
        let name = request.name.trimmingCharacters(in: .whitespaces)
        if !(1...64).contains(name.count) || AdminValidation.displayNameProblem(name) != nil {
            problems.append("name: must be 1-64 printable characters")
        }
        var categories: [PermissionCategory: Access] = [:]
        for entry in request.permissions {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let category = PermissionCategory(rawValue: parts[0]), let access = Access(rawValue: parts[1]) else {
                let names = PermissionCategory.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append("permissions: '\(entry.prefix(60))' is not CATEGORY:view or CATEGORY:manage (categories: \(names))")
                continue
            }
            categories[category] = max(access, categories[category] ?? .view)
        }
        if request.permissions.isEmpty { problems.append("permissions: give at least one, such as 'Security:view'") }
        let scope = ExtensionScope(request.scope)
        if scope == nil { problems.append("scope: must be 'all' or numbers and ranges such as 100-199,250") }
        let existing = try await customRoles()
        if Role.builtIn(named: name) != nil || existing.contains(where: { $0.name == name }) {
            problems.append("name: a role named '\(name)' exists")
        }
        if existing.count >= AdminService.maxCustomRoles { problems.append("at most \(AdminService.maxCustomRoles) custom roles") }
        guard problems.isEmpty, let scope else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        let role = Role(name: name, categories: categories, scope: scope)
        try await storeCall { try await store.store(existing + [role], key: AdminService.rolesKey) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: [
            "section": "roles", "created": name, "permissions": request.permissions.joined(separator: ","), "scope": scope.description,
        ]))
        return try await roles()
    }

    /// Removes a custom role no user has.
    public func removeRole(_ name: String) async throws(AdminError) -> [RoleView] {
        guard Role.builtIn(named: name) == nil else { throw AdminError(.conflict, "the built-in role \(name) cannot be removed") }
        let existing = try await customRoles()
        guard existing.contains(where: { $0.name == name }) else { throw AdminError(.notFound, "no custom role named '\(name.prefix(64))'") }
        let holders = try await storeCall { try await store.adminUsers() }.filter { $0.role == name }.map(\.username)
        guard holders.isEmpty else {
            throw AdminError(.conflict, "the role \(name) is given to \(holders.prefix(10).joined(separator: ", ")): change their role first")
        }
        try await storeCall { try await store.store(existing.filter { $0.name != name }, key: AdminService.rolesKey) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "roles", "removed": name]))
        return try await roles()
    }

    /// Refuses acting on `user`'s account (their password, tokens, second factor, role) unless the caller's role
    /// includes theirs, or it is the caller's own account.
    func requireAuthority(over user: AdminUserRecord) async throws(AdminError) {
        guard let caller = AdminCaller.current, caller.username != user.username else { return }
        let theirs = await role(of: user)
        guard caller.role.includes(theirs) else {
            throw AdminError(.forbidden, "the role \(caller.role.name) cannot act for a user with the role \(theirs.name)")
        }
    }
}

/// A role as the API shows it.
public struct RoleView: Codable, Sendable, Equatable {
    public var name: String
    /// `CATEGORY: view|manage`, sorted.
    public var permissions: [String]
    public var scope: String
    public var builtIn: Bool

    init(_ role: Role, builtIn: Bool) {
        name = role.name
        permissions = role.isEverything ? ["everything"] : role.categories.map { Permission($0.key, $0.value).description }.sorted()
        scope = role.scope.description
        self.builtIn = builtIn
    }
}

/// Body of `POST /api/v1/roles`.
public struct CreateRoleRequest: StrictCodable {
    public var name = ""
    /// `CATEGORY:view` or `CATEGORY:manage`, e.g. `Security:manage`.
    public var permissions: [String] = []
    /// `all`, or extension numbers and ranges (`100-199,250`).
    public var scope = "all"

    public init() {}

    public init(name: String, permissions: [String], scope: String = "all") {
        self.name = name
        self.permissions = permissions
        self.scope = scope
    }

    public static let fields: [StrictField<CreateRoleRequest>] = [
        .required("name", \.name), .required("permissions", \.permissions), .init("scope", \.scope),
    ]
}
