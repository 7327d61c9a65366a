import Defense
import Events
import Foundation
import HummingbirdBcrypt
import Model
import Storage

/// Users of the admin API and, later, the portal: a name, a built-in role and a password under the seed's rules,
/// hashed with bcrypt. The Super Administrator comes from setup only and cannot be removed.
extension AdminService {
    public func users() async throws(AdminError) -> [UserView] {
        try await storeCall { try await store.adminUsers() }.map(UserView.init)
    }

    public func createUser(_ request: CreateUserRequest, actor: String) async throws(AdminError) -> UserView {
        var problems: [String] = []
        if let problem = AdminService.usernameProblem(request.username) { problems.append("username: \(problem)") }
        if Role.builtIn(named: request.role) == nil {
            problems.append("role: no role named '\(request.role.prefix(40))' (\(Role.builtIns.map(\.name).joined(separator: ", ")))")
        } else if request.role == Role.superAdministrator.name {
            problems.append("role: the Super Administrator is created by setup, once")
        }
        problems += PasswordRules.problems(request.password, username: request.username).map { "password: \($0)" }
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        let user = AdminUserRecord(username: request.username, passwordHash: Bcrypt.hash(request.password, cost: 12), role: request.role,
                                   createdAt: Date())
        try await storeCall { try await store.createAdminUser(user) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "users", "created": user.username,
                                                                                    "role": user.role, "by": actor]))
        return UserView(user)
    }

    public func removeUser(_ username: String, actor: String) async throws(AdminError) -> [UserView] {
        let existing = try await storeCall { try await store.adminUsers() }.first { $0.username == username }
        guard let existing else { throw AdminError(.notFound, "no user named '\(username.prefix(64))'") }
        guard existing.role != Role.superAdministrator.name else { throw AdminError(.conflict, "the Super Administrator cannot be removed") }
        _ = try await storeCall { try await store.deleteAdminUser(username: username) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "users", "removed": username, "by": actor]))
        return try await users()
    }

    /// 3-64 letters, digits, `.`, `_` or `-`: what a login form and a URL carry without escaping.
    static func usernameProblem(_ name: String) -> String? {
        guard (3...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            return "must be 3-64 letters, digits, '.', '_' or '-'"
        }
        return nil
    }
}

/// A user as the API shows it: never the password hash.
public struct UserView: Codable, Sendable, Equatable {
    public var username: String
    public var role: String
    public var createdAt: Date

    init(_ record: AdminUserRecord) {
        username = record.username
        role = record.role
        createdAt = record.createdAt
    }
}

/// Body of `POST /api/v1/users`.
public struct CreateUserRequest: StrictCodable {
    public var username = ""
    public var role = ""
    public var password = ""

    public init() {}

    public init(username: String, role: String, password: String) {
        self.username = username
        self.role = role
        self.password = password
    }

    public static let fields: [StrictField<CreateUserRequest>] = [
        .required("username", \.username), .required("role", \.role), .required("password", \.password),
    ]
}
