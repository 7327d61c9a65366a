import Defense
import DefenseRuntime
import Events
import Foundation
import GeoIP
import Model
import Storage

/// Password login (checked locally with bcrypt, or by the LDAP directory for its users and, when LDAP is on, for
/// names not known here) and sessions. Every failure, whatever its cause (unknown user, wrong password, wrong code,
/// locked account), answers the same 401 after the same work; failures are counted per address, per (address,
/// account) and per account, and the lockout refuses, blocks and locks as `LoginDefenseSettings` says.
extension AdminService {
    /// Where the attempt came from, for the lockout and the session list.
    public struct LoginOrigin: Sendable {
        public var address: IPAddress?
        public var userAgent: String
        /// The listener's port and scheme (`HTTPS`, `HTTP`, or `SSH` for the console), as a block's row shows them.
        public var port: Int
        public var scheme: String

        var entrance: LoginGuard.Entrance { scheme == "SSH" ? .ssh : .web(scheme: scheme) }
        var endpoint: NetworkEndpoint { NetworkEndpoint(service: scheme == "SSH" ? .ssh : .api, transport: .tcp, port: port) }

        public init(address: IPAddress?, userAgent: String, port: Int, scheme: String) {
            self.address = address
            self.userAgent = userAgent
            self.port = port
            self.scheme = scheme
        }
    }

    public static let loginRefused = AdminError(.unauthorized, "the username, password or code is wrong")
    static let sourceRefused = AdminError(.tooManyRequests, "too many failed logins from this address: try again later")

    public func login(_ request: LoginRequest, from origin: LoginOrigin, now: Date = Date()) async throws(AdminError) -> LoginAnswer {
        let account = String(request.username.prefix(64))
        if let address = origin.address, let refusal = logins.refusal(account: account, from: address, now: now) {
            let known = (try? await store.adminUser(username: account)) != nil
            _ = await loginFailed(account: account, known: known, reason: "refused: \(refusal)", origin: origin, now: now)
            if case .account = refusal { throw AdminService.loginRefused }
            throw AdminService.sourceRefused
        }
        let stored = try await storeCall { try await store.adminUser(username: account) }
        var user: AdminUserRecord
        var method = "password"
        if stored == nil || stored?.source == "ldap", let directory = try await ldapDirectory() {
            switch try await ldapUser(directory, username: account, password: request.password, existing: stored, now: now) {
            case .success(let found):
                user = found
                method = "ldap"
            case .failure(let error):
                throw await loginFailed(account: account, known: stored != nil, reason: "ldap: \(error)", origin: origin, now: now)
            }
        } else {
            guard let stored, await PasswordHasher.verify(request.password, hash: stored.passwordHash) else {
                if stored == nil { _ = await PasswordHasher.verify(request.password, hash: "") }
                throw await loginFailed(account: account, known: stored != nil, reason: stored == nil ? "unknown user" : "wrong password",
                                        origin: origin, now: now)
            }
            user = stored
        }
        var mustEnrol = false
        if try await requiresTwoFactor(user) {
            if user.twoFactor.hasTOTP || request.recoveryCode != nil || (request.code != nil && user.twoFactor.emailCodeHash != nil) {
                method += "+" + (try await secondFactor(&user, code: request.code, recoveryCode: request.recoveryCode, origin: origin, now: now))
            } else if let email = user.email, try await mailConfigured() {
                try await sendEmailCode(to: &user, address: email, now: now)
                throw AdminError(.secondFactorRequired, "a second factor is required: email (a code was sent to the user's address)")
            } else {
                mustEnrol = true
            }
        }
        if let address = origin.address { logins.succeeded(account: account, from: address) }
        return try await openSession(for: user, method: method, mustEnrol: mustEnrol, origin: origin, now: now)
    }

    /// Refuses, before anything is checked, an address the lockout refuses for `account`.
    func refuseLockedOutSource(account: String, origin: LoginOrigin, now: Date) throws(AdminError) {
        if let address = origin.address, logins.refusal(account: account, from: address, now: now) != nil { throw AdminService.sourceRefused }
    }

    /// Counts a failure, raises the events, and answers the one refusal every failure gets.
    func loginFailed(account: String, known: Bool, reason: String, origin: LoginOrigin, now: Date) async -> AdminError {
        var fields = ["username": account, "reason": reason, "protocol": origin.scheme]
        if let address = origin.address {
            fields["source"] = address.description
            fields["ip"] = address.description
            let outcome = logins.failed(account: account, from: address, known: known, endpoint: origin.endpoint, via: origin.entrance, now: now)
            fields["attempts"] = String(outcome.sourceFailures)
            if outcome.lockAccount { await accountLocked(account, attempts: outcome.accountFailures, lastSource: address.description, now: now) }
        }
        await record(PortcullisEvent(origin.entrance.isSSH ? EventCatalogue.sshLoginFailed : EventCatalogue.webUserLoginFailed, time: now, fields: fields))
        return AdminService.loginRefused
    }

    /// "Web User Account Locked": raised by the node whose count crossed the threshold, with its own failure or one
    /// another node announced (`adoptLogin`).
    func accountLocked(_ account: String, attempts: Int, lastSource: String, now: Date) async {
        await record(PortcullisEvent(EventCatalogue.webUserAccountLocked, time: now, fields: [
            "username": account, "attempts": String(attempts), "lockedFor": "\(logins.settings.accountLockDuration)s",
            "rule": "distributed guessing", "lastSource": lastSource,
            "note": "password login only: login links, SSO and administrators still work",
        ]))
    }

    /// A login another node of the cluster counted: counted here too; a lock it completes is announced here.
    public func adoptLogin(_ result: LoginResult) async {
        guard let attempts = logins.adopt(result) else { return }
        await accountLocked(result.account, attempts: attempts, lastSource: result.address, now: result.time)
    }

    /// A new session for `user`, timed by the login defense in force: the cookie's secret and the CSRF token go to
    /// the caller once, their hashes to the store.
    func openSession(for user: AdminUserRecord, method: String, mustEnrol: Bool, origin: LoginOrigin, now: Date) async throws(AdminError) -> LoginAnswer {
        let settings = logins.settings
        let secret = SecretGenerator.token(prefix: "")
        let csrf = SecretGenerator.token(prefix: "")
        let session = SessionRecord(id: UUID().uuidString.lowercased(), secretHash: SecretGenerator.sha256Hex(secret),
                                    csrfHash: SecretGenerator.sha256Hex(csrf), username: user.username, createdAt: now, lastSeenAt: now,
                                    expiresAt: now.addingTimeInterval(TimeInterval(settings.sessionLifetimeHours * 3600)),
                                    address: origin.address?.description ?? "local", userAgent: String(origin.userAgent.prefix(200)),
                                    method: mustEnrol ? AdminService.enrolmentMethod : method)
        try await storeCall { try await store.createSession(session, keepingPerUser: AdminService.maxSessionsPerUser) }
        let role = await role(of: user)
        await record(PortcullisEvent(role.isAdministrator ? EventCatalogue.administratorLoginSucceeded : EventCatalogue.webUserLoginSucceeded, time: now,
                                     fields: ["username": user.username, "source": origin.address?.description ?? "local", "method": method,
                                              "role": role.name]))
        return LoginAnswer(username: user.username, role: role.name, csrfToken: csrf, sessionId: session.id, expiresAt: session.expiresAt,
                           idleMinutes: settings.sessionIdleMinutes, mustEnrolSecondFactor: mustEnrol, sessionSecret: secret,
                           cookieMaxAge: settings.sessionLifetimeHours * 3600)
    }

    /// Sessions one user keeps at once (browsers, devices); a new login beyond it ends the oldest.
    static let maxSessionsPerUser = 20

    /// A session opened by a password alone for a user who must enrol a second factor: it may only do that.
    static let enrolmentMethod = "password (second factor to enrol)"

    /// The caller behind a session cookie, with the CSRF token's hash, or nil: unknown, idle too long, past its end.
    public func sessionCaller(_ secret: String, address: IPAddress?, now: Date = Date()) async -> (caller: AdminCaller, csrfHash: String)? {
        guard secret.count == 64, let session = try? await store.session(secretHash: SecretGenerator.sha256Hex(secret)) else { return nil }
        let idle = TimeInterval(logins.settings.sessionIdleMinutes * 60)
        guard session.expiresAt > now, now.timeIntervalSince(session.lastSeenAt) < idle,
              let user = try? await store.adminUser(username: session.username) else {
            _ = try? await store.deleteSessions(ids: [session.id])
            return nil
        }
        if now.timeIntervalSince(session.lastSeenAt) >= 60 { try? await store.sessionSeen(id: session.id, at: now) }
        let mustEnrol = session.method == AdminService.enrolmentMethod && !user.twoFactor.hasTOTP
        return (AdminCaller(username: user.username, role: await role(of: user), credential: .session(id: session.id), address: address,
                            mustEnrol: mustEnrol), session.csrfHash)
    }

    /// Ends the caller's session.
    public func logout() async throws(AdminError) {
        guard case .session(let id) = AdminCaller.current?.credential else { throw AdminError(.conflict, "not signed in with a session") }
        _ = try await storeCall { try await store.deleteSessions(ids: [id]) }
    }

    /// The caller's account, role and session.
    public func me() async throws(AdminError) -> MeView {
        guard let caller = AdminCaller.current else { throw AdminError(.unauthorized, "not signed in") }
        var view = MeView(username: caller.username, role: RoleView(caller.role, builtIn: caller.role.isBuiltIn), credential: caller.actor,
                          mustEnrolSecondFactor: caller.mustEnrol, user: nil)
        if let username = caller.username { view.user = try await userView(username) }
        return view
    }

    /// Sessions: the caller's own, or with `all` (System view) everyone's.
    public func sessions(all: Bool) async throws(AdminError) -> [SessionView] {
        let caller = AdminCaller.current
        if all || caller?.username == nil {
            guard caller?.role.allows(Permission(.system, .view)) == true else { throw AdminError(.forbidden, "listing others' sessions needs System: view") }
            return try await storeCall { try await store.sessions(username: nil) }.map { SessionView($0, current: caller) }
        }
        return try await storeCall { try await store.sessions(username: caller?.username) }.map { SessionView($0, current: caller) }
    }

    /// Ends a session: one's own, or another user's with System: manage over that user.
    public func revokeSession(_ id: String) async throws(AdminError) -> [SessionView] {
        let all = try await storeCall { try await store.sessions(username: nil) }
        guard let session = all.first(where: { $0.id == id }) else { throw AdminError(.notFound, "no session with id \(id.prefix(40))") }
        let caller = AdminCaller.current
        if session.username != caller?.username {
            guard caller?.role.allows(Permission(.system, .manage)) == true else {
                throw AdminError(.forbidden, "ending another user's session needs System: manage")
            }
            if let owner = try await storeCall({ try await store.adminUser(username: session.username) }) { try await requireAuthority(over: owner) }
        }
        _ = try await storeCall { try await store.deleteSessions(ids: [id]) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "sessions", "revoked": id, "user": session.username]))
        return try await sessions(all: false)
    }

    /// The caller changes their own password, giving the current one; their other sessions end.
    public func changeOwnPassword(_ request: PasswordChange) async throws(AdminError) -> UserView {
        var user = try await callerUser()
        guard await PasswordHasher.verify(request.currentPassword, hash: user.passwordHash) else {
            throw AdminError(.invalidInput, "currentPassword: wrong", problems: ["currentPassword: wrong"])
        }
        let problems = AdminService.passwordProblems(request.newPassword, for: user, field: "newPassword")
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        user.passwordHash = await PasswordHasher.hash(request.newPassword)
        user.passwordChangedAt = Date()
        let updated = user
        _ = try await storeCall { try await store.updateAdminUser(updated) }
        var keeping: String?
        if case .session(let id) = AdminCaller.current?.credential { keeping = id }
        try await passwordChanged(of: user, keeping: keeping)
        return UserView(user, requiresTwoFactor: try await requiresTwoFactor(user))
    }

    public func loginDefense() async throws(AdminError) -> LoginDefenseSettings {
        try await settings(LoginDefenseSettings.self)
    }

    /// Puts the stored login defense in force (at start; changes through the API apply themselves).
    public func loadLoginDefense() async throws(AdminError) {
        logins.update(try await settings(LoginDefenseSettings.self))
    }

    public func updateLoginDefense(_ settings: LoginDefenseSettings) async throws(AdminError) -> LoginDefenseSettings {
        var problems = settings.problems
        let known = try await roleNames()
        problems += settings.twoFactorRoles.filter { !known.contains($0) }.map { "twoFactorRoles: no role named '\($0.prefix(40))'" }
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        try await storeCall { try await store.save(settings) }
        logins.update(settings)
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "login defense"]))
        return settings
    }
}

/// Body of `POST /api/v1/login`.
public struct LoginRequest: StrictCodable {
    public var username = ""
    public var password = ""
    /// The authenticator app's or the emailed code, when a second factor is required.
    public var code: String?
    public var recoveryCode: String?

    public init() {}

    public init(username: String, password: String, code: String? = nil) {
        self.username = username
        self.password = password
        self.code = code
    }

    public static let fields: [StrictField<LoginRequest>] = [
        .required("username", \.username), .required("password", \.password), .init("code", \.code), .init("recoveryCode", \.recoveryCode),
    ]
}

/// Answer to a login: the CSRF token to send back as `X-CSRF-Token` on state-changing requests. The session itself
/// travels in the cookie, whose secret is never in the body.
public struct LoginAnswer: Codable, Sendable {
    public var username: String
    public var role: String
    public var csrfToken: String
    public var sessionId: String
    public var expiresAt: Date
    public var idleMinutes: Int
    /// The session may only enrol a second factor until it is confirmed.
    public var mustEnrolSecondFactor: Bool
    /// The cookie's secret and lifetime in seconds, for the `Set-Cookie` header only.
    var sessionSecret = ""
    var cookieMaxAge = 0

    private enum CodingKeys: String, CodingKey {
        case username, role, csrfToken, sessionId, expiresAt, idleMinutes, mustEnrolSecondFactor
    }
}

/// Answer to `GET /api/v1/me`.
public struct MeView: Codable, Sendable {
    /// nil on the local socket.
    public var username: String?
    public var role: RoleView
    public var credential: String
    public var mustEnrolSecondFactor: Bool
    public var user: UserView?
}

public struct SessionView: Codable, Sendable, Equatable {
    public var id: String
    public var username: String
    public var createdAt: Date
    public var lastSeenAt: Date
    public var expiresAt: Date
    public var address: String
    public var userAgent: String
    public var method: String
    /// The session this request came with.
    public var current: Bool

    init(_ record: SessionRecord, current caller: AdminCaller?) {
        id = record.id
        username = record.username
        createdAt = record.createdAt
        lastSeenAt = record.lastSeenAt
        expiresAt = record.expiresAt
        address = record.address
        userAgent = record.userAgent
        method = record.method
        current = caller?.credential == .session(id: record.id)
    }
}

/// Body of `PUT /api/v1/me/password`.
public struct PasswordChange: StrictCodable {
    public var currentPassword = ""
    public var newPassword = ""
    public init() {}
    public static let fields: [StrictField<PasswordChange>] = [.required("currentPassword", \.currentPassword), .required("newPassword", \.newPassword)]
}
