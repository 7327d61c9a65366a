import Defense
import Events
import Foundation

import Model
import Storage

/// Users of the admin API and the portal: administrator accounts and extensions' users, each with a role and a
/// password under the seed's rules (bcrypt). The Super Administrator comes from setup only; its name is fixed and it
/// cannot be removed. Acting on another user's account needs a role that includes theirs.
extension AdminService {
    public func users() async throws(AdminError) -> [UserView] {
        try await storeCall { try await store.adminUsers() }.map { UserView($0, requiresTwoFactor: nil) }
    }

    public func userView(_ username: String) async throws(AdminError) -> UserView {
        let user = try await user(named: username)
        return UserView(user, requiresTwoFactor: try await requiresTwoFactor(user))
    }

    /// The stored user, or not found.
    func user(named username: String) async throws(AdminError) -> AdminUserRecord {
        guard let user = try await storeCall({ try await store.adminUser(username: username) }) else {
            throw AdminError(.notFound, "no user named '\(username.prefix(64))'")
        }
        return user
    }

    public func createUser(_ request: CreateUserRequest) async throws(AdminError) -> UserView {
        guard try await storeCall({ try await store.adminUsers() }).contains(where: { $0.role == Role.superAdministrator.name }) else {
            throw AdminError(.conflict, "no Super Administrator yet: run setup first")
        }
        var problems: [String] = []
        if let problem = AdminService.usernameProblem(request.username) { problems.append("username: \(problem)") }
        var role: Role?
        do {
            role = try await self.role(named: request.role)
        } catch {
            problems += error.problems
        }
        if request.role == Role.superAdministrator.name { problems.append("role: the Super Administrator is created by setup, once") }
        var user = AdminUserRecord(username: request.username, passwordHash: "", role: request.role, createdAt: Date())
        problems += try await profileProblems(name: request.name, email: request.email, mobile: request.mobile,
                                              extension: request.extensionNumber, applyingTo: &user)
        problems += AdminService.passwordProblems(request.password, for: user)
        guard problems.isEmpty, let role else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        try requireGrant(role)
        user.passwordHash = await PasswordHasher.hash(request.password)
        user.passwordChangedAt = user.createdAt
        let created = user
        try await storeCall { try await store.createAdminUser(created) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "users", "created": user.username, "role": user.role]))
        return UserView(user, requiresTwoFactor: try await requiresTwoFactor(user))
    }

    /// Changes the fields given; a new password follows the rules and ends the user's sessions.
    public func updateUser(_ username: String, _ request: UpdateUserRequest) async throws(AdminError) -> UserView {
        var user = try await user(named: username)
        try await requireAuthority(over: user)
        var problems: [String] = []
        var changed: [String] = []
        if let roleName = request.role, roleName != user.role {
            if user.role == Role.superAdministrator.name { problems.append("role: the Super Administrator's role is fixed") }
            if roleName == Role.superAdministrator.name { problems.append("role: there is one Super Administrator") }
            do {
                try requireGrant(try await role(named: roleName))
            } catch where error.kind == .invalidInput {
                problems += error.problems
            }
            user.role = roleName
            changed.append("role")
        }
        problems += try await profileProblems(name: request.name, email: request.email, mobile: request.mobile, extension: request.extensionNumber,
                                              applyingTo: &user)
        changed += [("name", request.name), ("email", request.email), ("mobile", request.mobile), ("extension", request.extensionNumber)]
            .compactMap { $0.1 == nil ? nil : $0.0 }
        if let required = request.twoFactorRequired {
            user.twoFactorRequired = required
            changed.append("twoFactorRequired")
        }
        if let password = request.password {
            problems += AdminService.passwordProblems(password, for: user)
            changed.append("password")
        }
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        if let password = request.password {
            user.passwordHash = await PasswordHasher.hash(password)
            user.passwordChangedAt = Date()
        }
        let updated = user
        guard try await storeCall({ try await store.updateAdminUser(updated) }) else { throw AdminError(.notFound, "no user named '\(username.prefix(64))'") }
        if request.password != nil { try await passwordChanged(of: user, keeping: nil) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: [
            "section": "users", "updated": user.username, "changed": changed.joined(separator: ","),
        ]))
        return UserView(user, requiresTwoFactor: try await requiresTwoFactor(user))
    }

    public func removeUser(_ username: String) async throws(AdminError) -> [UserView] {
        let existing = try await user(named: username)
        guard existing.role != Role.superAdministrator.name else { throw AdminError(.conflict, "the Super Administrator cannot be removed") }
        try await requireAuthority(over: existing)
        _ = try await storeCall { try await store.deleteAdminUser(username: username) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "users", "removed": username]))
        return try await users()
    }

    /// After a password change: every other session of the user ends, and the change is announced.
    func passwordChanged(of user: AdminUserRecord, keeping session: String?) async throws(AdminError) {
        _ = try await storeCall { try await store.deleteSessions(username: user.username, keeping: session) }
        await record(PortcullisEvent((await role(of: user)).isAdministrator ? EventCatalogue.administratorPasswordChanged : EventCatalogue.userPasswordChanged,
                                     fields: ["username": user.username]))
    }

    /// Whether the user must give a second factor: their own setting, else their role's.
    func requiresTwoFactor(_ user: AdminUserRecord) async throws(AdminError) -> Bool {
        if let own = user.twoFactorRequired { return own }
        return try await settings(LoginDefenseSettings.self).twoFactorRoles.contains(user.role)
    }

    /// Refuses giving a role the caller's own does not include.
    private func requireGrant(_ role: Role) throws(AdminError) {
        guard let caller = AdminCaller.current, !caller.role.includes(role) else { return }
        throw AdminError(.forbidden, "the role \(caller.role.name) cannot give the role \(role.name)")
    }

    /// Checks and applies the profile fields given (an empty string clears one).
    private func profileProblems(name: String?, email: String?, mobile: String?, extension number: String?,
                                 applyingTo user: inout AdminUserRecord) async throws(AdminError) -> [String] {
        var problems: [String] = []
        func cleared(_ value: String?) -> String?? { value.map { $0.isEmpty ? nil : $0 } }
        if let name = cleared(name) {
            if let name, let problem = AdminValidation.displayNameProblem(name) { problems.append("name: \(problem)") }
            user.name = name
        }
        if let email = cleared(email) {
            if let email, !AdminService.isEmailAddress(email) { problems.append("email: must be an address such as name@example.com") }
            user.email = email
        }
        if let mobile = cleared(mobile) {
            if let mobile, !AdminService.isPhoneNumber(mobile) { problems.append("mobile: must be 5-20 digits, optionally after a '+'") }
            user.mobile = mobile
        }
        if let number = cleared(number) {
            if let number, try await storeCall({ try await store.extensionRecord(number: number) }) == nil {
                problems.append("extension: no extension \(number.prefix(32))")
            }
            user.extensionNumber = number
        }
        return problems
    }

    /// Every rule `password` breaks for `user` (their username, name and extension among the words it may not hold), as
    /// `FIELD: rule`.
    static func passwordProblems(_ password: String, for user: AdminUserRecord, field: String = "password") -> [String] {
        PasswordRules.problems(password, username: user.username, extension: user.extensionNumber ?? "", names: [user.name].compactMap { $0 })
            .map { "\(field): \($0)" }
    }

    /// The names of the roles there are, built-in and custom.
    func roleNames() async throws(AdminError) -> Set<String> {
        Set(Role.builtIns.map(\.name) + (try await customRoles()).map(\.name))
    }

    /// 3-64 letters, digits, `.`, `_`, `-` or `@` (an email address from single sign-on): what a login form and a URL
    /// carry without escaping.
    static func usernameProblem(_ name: String) -> String? {
        guard (3...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }) else {
            return "must be 3-64 letters, digits, '.', '_', '-' or '@'"
        }
        return nil
    }

    /// One `@` between a local part and a dotted domain, no spaces or controls, at most 254 characters.
    static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return text.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".") && text.allSatisfy { $0.isASCII && !$0.isWhitespace && $0.asciiValue.map { $0 >= 0x21 && $0 < 0x7f } == true }
            && !text.contains(where: { "<>()[],;:\\\"".contains($0) })
    }

    static func isPhoneNumber(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return (5...20).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// A user as the API shows it: never the password hash or a second factor's secret.
public struct UserView: Codable, Sendable, Equatable {
    public var username: String
    public var role: String
    public var name: String?
    public var email: String?
    public var mobile: String?
    public var `extension`: String?
    public var source: String
    public var createdAt: Date
    public var passwordChangedAt: Date?
    /// An authenticator app is enrolled.
    public var totpEnrolled: Bool
    public var recoveryCodesLeft: Int
    /// Whether a second factor is required (the user's setting or the role's); nil in lists.
    public var twoFactorRequired: Bool?

    init(_ record: AdminUserRecord, requiresTwoFactor: Bool?) {
        username = record.username
        role = record.role
        name = record.name
        email = record.email
        mobile = record.mobile
        `extension` = record.extensionNumber
        source = record.source
        createdAt = record.createdAt
        passwordChangedAt = record.passwordChangedAt
        totpEnrolled = record.twoFactor.hasTOTP
        recoveryCodesLeft = record.twoFactor.recoveryCodeHashes.count
        twoFactorRequired = requiresTwoFactor
    }
}

/// Body of `POST /api/v1/users`.
public struct CreateUserRequest: StrictCodable {
    public var username = ""
    public var role = ""
    public var password = ""
    public var name: String?
    public var email: String?
    public var mobile: String?
    /// The extension this user is.
    public var extensionNumber: String?

    public init() {}

    public init(username: String, role: String, password: String, email: String? = nil, extension number: String? = nil) {
        self.username = username
        self.role = role
        self.password = password
        self.email = email
        extensionNumber = number
    }

    public static let fields: [StrictField<CreateUserRequest>] = [
        .required("username", \.username), .required("role", \.role), .required("password", \.password), .init("name", \.name),
        .init("email", \.email), .init("mobile", \.mobile), .init("extension", \.extensionNumber),
    ]
}

/// Body of `PATCH /api/v1/users/{username}`: omitted fields stay; an empty string clears a profile field.
public struct UpdateUserRequest: StrictCodable {
    public var role: String?
    public var password: String?
    public var name: String?
    public var email: String?
    public var mobile: String?
    public var extensionNumber: String?
    public var twoFactorRequired: Bool?

    public init() {}

    public static let fields: [StrictField<UpdateUserRequest>] = [
        .init("role", \.role), .init("password", \.password), .init("name", \.name), .init("email", \.email), .init("mobile", \.mobile),
        .init("extension", \.extensionNumber), .init("twoFactorRequired", \.twoFactorRequired),
    ]
}
