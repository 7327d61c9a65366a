import Defense
import DefenseRuntime
import Events
import Foundation
import Model
import SIPAuth
import SSO
import Storage

/// Single sign-on: OpenID Connect (authorization code with PKCE, state and nonce) and LDAP / Active Directory
/// (search-then-bind, groups to roles). SSO accounts have no local password; the provider or directory proves who
/// they are (its own second factor included), and failures count towards the login lockout like wrong passwords.
extension AdminService {
    public func oidcSettings() async throws(AdminError) -> OIDCSettings {
        var settings = try await settings(OIDCSettings.self)
        settings.clientSecret = nil
        return settings
    }

    /// Replaces the OIDC settings; a client secret left out keeps the stored one.
    public func updateOIDC(_ update: OIDCSettings) async throws(AdminError) -> OIDCSettings {
        var settings = update
        let stored = try await self.settings(OIDCSettings.self)
        var problems = settings.problems
        if settings.enabled { problems += try await roleProblems([settings.defaultRole], field: "sso.oidc.defaultRole") }
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        settings.clientSecret = settings.clientSecret.map(secrets.seal) ?? stored.clientSecret
        let sealed = settings
        try await storeCall { try await store.save(sealed) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "sso oidc", "enabled": String(settings.enabled)]))
        return try await oidcSettings()
    }

    public func ldapSettings() async throws(AdminError) -> LDAPSettings {
        var settings = try await settings(LDAPSettings.self)
        settings.bindPassword = nil
        return settings
    }

    /// Replaces the LDAP settings; a bind password left out keeps the stored one.
    public func updateLDAP(_ update: LDAPSettings) async throws(AdminError) -> LDAPSettings {
        var settings = update
        let stored = try await self.settings(LDAPSettings.self)
        var problems = settings.problems
        if let caFile = settings.caFile, !FileManager.default.isReadableFile(atPath: caFile) { problems.append("sso.ldap.caFile: cannot read \(caFile)") }
        if settings.enabled {
            problems += try await roleProblems(settings.groupRoles.map(\.role) + [settings.defaultRole].compactMap { $0 }, field: "sso.ldap.groupRoles")
        }
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        settings.bindPassword = settings.bindPassword.map(secrets.seal) ?? stored.bindPassword
        let sealed = settings
        try await storeCall { try await store.save(sealed) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "sso ldap", "enabled": String(settings.enabled)]))
        return try await ldapSettings()
    }

    /// Where to send the browser to sign in with the OpenID provider.
    public func startOIDC(now: Date = Date()) async throws(AdminError) -> OIDCStart {
        let settings = try await settings(OIDCSettings.self)
        guard settings.enabled else { throw AdminError(.notFound, "OpenID Connect sign-in is not enabled") }
        let (state, signIn, challenge) = sso.pending.start(now: now)
        let provider = sso.provider(settings, secret: settings.clientSecret.flatMap { try? secrets.open($0) })
        do {
            return OIDCStart(authorizationURL: try await provider.authorizationURL(state: state, nonce: signIn.nonce, challenge: challenge))
        } catch {
            throw AdminError(.internalError, "the OpenID provider cannot be used: \(error)")
        }
    }

    /// The provider sent the browser back: the state must be one this server started, the code is exchanged, the
    /// id_token checked, and the user matched (or created) by the configured claim.
    public func finishOIDC(code: String, state: String, from origin: LoginOrigin, now: Date = Date()) async throws(AdminError) -> LoginAnswer {
        let settings = try await settings(OIDCSettings.self)
        let account = "(oidc)"
        try refuseLockedOutSource(account: account, origin: origin, now: now)
        guard settings.enabled, code.count <= 2_048, let signIn = sso.pending.take(state, now: now) else {
            throw await loginFailed(account: account, known: false, reason: "oidc: unknown, used or expired state", origin: origin, now: now)
        }
        let provider = sso.provider(settings, secret: settings.clientSecret.flatMap { try? secrets.open($0) })
        let claims: IDTokenClaims
        do {
            claims = try await provider.signIn(code: code, signIn: signIn, now: now)
        } catch {
            throw await loginFailed(account: account, known: false, reason: "oidc: \(error)", origin: origin, now: now)
        }
        let value = settings.claim == .email ? claims.email : claims.preferredUsername
        guard let value, !value.isEmpty else {
            throw await loginFailed(account: account, known: false, reason: "oidc: the id_token has no \(settings.claim.rawValue)", origin: origin, now: now)
        }
        let users = try await storeCall { try await store.adminUsers() }
        var user = users.first { settings.claim == .email ? $0.email?.lowercased() == value.lowercased() : $0.username == value }
        if user == nil, settings.autoCreate {
            user = try await createSSOUser(username: value, email: claims.email, name: claims.name, role: settings.defaultRole, source: "oidc", now: now)
        }
        guard let user else {
            throw await loginFailed(account: value, known: false, reason: "oidc: no user with this \(settings.claim.rawValue)", origin: origin, now: now)
        }
        if let address = origin.address { logins.succeeded(account: account, from: address) }
        return try await openSession(for: user, method: "oidc", mustEnrol: false, origin: origin, now: now)
    }

    /// The directory, when LDAP sign-in is enabled.
    func ldapDirectory() async throws(AdminError) -> LDAPDirectory? {
        let settings = try await settings(LDAPSettings.self)
        guard settings.enabled else { return nil }
        return LDAPDirectory(settings: settings, bindPassword: settings.bindPassword.flatMap { try? secrets.open($0) } ?? "")
    }

    /// Checks a password with the directory and brings the local account in line with it (role from the groups,
    /// email, name); nil when the directory refuses, with the reason.
    func ldapUser(_ directory: LDAPDirectory, username: String, password: String, existing: AdminUserRecord?,
                  now: Date) async throws(AdminError) -> Result<AdminUserRecord, SSOError> {
        let identity: LDAPIdentity
        do {
            identity = try await directory.authenticate(username: username, password: password)
        } catch {
            return .failure(error)
        }
        let groups = Set(identity.groups.map { $0.lowercased() })
        guard let role = directory.settings.groupRoles.first(where: { groups.contains($0.group.lowercased()) })?.role ?? directory.settings.defaultRole else {
            return .failure(SSOError("in no directory group that has a role"))
        }
        guard var user = existing else {
            return .success(try await createSSOUser(username: username, email: identity.email, name: identity.name, role: role, source: "ldap", now: now))
        }
        user.role = role
        user.email = identity.email
        user.name = identity.name
        let updated = user
        _ = try await storeCall { try await store.updateAdminUser(updated) }
        return .success(user)
    }

    private func createSSOUser(username: String, email: String?, name: String?, role: String, source: String, now: Date) async throws(AdminError) -> AdminUserRecord {
        guard AdminService.usernameProblem(username) == nil else {
            throw AdminError(.unauthorized, "the signed-in name '\(username.prefix(64))' cannot be a username here")
        }
        var user = AdminUserRecord(username: username, passwordHash: "", role: role, createdAt: now, name: name,
                                   email: email.flatMap { AdminService.isEmailAddress($0) ? $0 : nil })
        user.source = source
        let created = user
        try await storeCall { try await store.createAdminUser(created) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "users", "created": username, "role": role,
                                                                                    "by": "\(source) sign-in"]))
        return user
    }

    private func roleProblems(_ names: [String], field: String) async throws(AdminError) -> [String] {
        let known = try await roleNames()
        return names.filter { !known.contains($0) || $0 == Role.superAdministrator.name }.map { "\(field): no role '\($0.prefix(40))' to give" }
    }
}

/// Answer to `GET /api/v1/sso/oidc/start` when JSON is asked for; otherwise a redirect there.
public struct OIDCStart: Codable, Sendable {
    public var authorizationURL: String
}
