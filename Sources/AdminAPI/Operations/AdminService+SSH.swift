import Defense
import DefenseRuntime
import Events
import Foundation
import GeoIP
import Model
import SIPAuth
import SSHConsole
import Storage

/// The SSH console: its switch, address and host key, the users' public keys, and the logins it asks about. The
/// console runs the CLI's commands as the user (`AdminCaller` with an `ssh` credential), so a role allows over SSH
/// exactly what it allows on the API.
extension AdminService {
    /// Where the host key is kept, sealed under `secrets.key`.
    static let sshHostKeyKey = "ssh.hostKey"

    public func sshOverview() async throws(AdminError) -> SSHOverview {
        let settings = try await settings(SSHSettings.self)
        let hostKey = try await storedHostKey()
        let keys = try await self.settings(SSHAuthorizedKey.List.self).keys
        return SSHOverview(enabled: settings.enabled, listen: settings.listen, listening: sshConsole?.listening?.description,
                           hostKeyFingerprint: hostKey?.fingerprint, hostKey: hostKey?.publicLine, openConnections: sshConsole?.openConnections ?? 0,
                           keys: keys.count)
    }

    /// Turns the console on or off or moves it; the first enabling makes the host key. With a server running, the
    /// listener follows at once (a port it cannot bind is refused and nothing is stored); disabling ends every session.
    public func changeSSH(_ change: SSHChange) async throws(AdminError) -> SSHOverview {
        var settings = try await settings(SSHSettings.self)
        if let enabled = change.enabled { settings.enabled = enabled }
        if let listen = change.listen { settings.listen = listen }
        let problems = settings.problems
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        var hostKey = try await storedHostKey()
        if settings.enabled && hostKey == nil {
            let made = SSHHostKey.generate()
            try await storeCall { try await store.setSetting(AdminService.sshHostKeyKey, value: secrets.seal(made.stored)) }
            hostKey = made
        }
        if let sshConsole {
            do {
                try await sshConsole.apply(settings, hostKey: hostKey)
            } catch {
                let address = (try? sshConsole.address(for: settings))?.description ?? settings.listen
                throw AdminError(.invalidInput, "ssh.listen: cannot listen on \(address): \(error)", problems: ["ssh.listen: \(error)"])
            }
        }
        let stored = settings
        try await storeCall { try await store.save(stored) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: [
            "section": "ssh", "enabled": String(settings.enabled), "listen": settings.listen,
        ]))
        return try await sshOverview()
    }

    /// Starts the console as stored, when the server starts.
    public func startSSHConsole() async throws {
        let settings = try await store.settings(SSHSettings.self)
        guard settings.enabled else { return }
        try await sshConsole?.apply(settings, hostKey: try await storedHostKey())
    }

    /// The stored host key; an unreadable one is an error (never silently replaced: clients would see a new identity).
    func storedHostKey() async throws(AdminError) -> SSHHostKey? {
        guard let sealed = try await storeCall({ try await store.setting(AdminService.sshHostKeyKey) }) else { return nil }
        do {
            return try SSHHostKey(stored: try secrets.open(sealed))
        } catch {
            throw AdminError(.internalError, SSHConsoleError.hostKeyUnreadable.description)
        }
    }

    // MARK: Keys

    /// One's own keys; with the System view permission, every key of users one's role includes.
    public func sshKeys(of username: String?) async throws(AdminError) -> [SSHKeyView] {
        let caller = AdminCaller.current
        var keys = try await settings(SSHAuthorizedKey.List.self).keys
        if let username { keys = keys.filter { $0.username == username } }
        var visible: [SSHKeyView] = []
        for key in keys where try await mayManageKeys(of: key.username, caller: caller, access: .view) { visible.append(SSHKeyView(key)) }
        return visible
    }

    /// Adds a key for `username`: one's own, or another user's with the System manage permission over a role one's
    /// own includes.
    public func addSSHKey(_ request: AddSSHKey) async throws(AdminError) -> SSHKeyView {
        let caller = AdminCaller.current
        let user = try await user(named: request.username)
        guard try await mayManageKeys(of: user.username, caller: caller, access: .manage) else {
            throw AdminError(.forbidden, "the role \(caller?.role.name ?? "?") cannot add keys for \(user.username)")
        }
        let key: SSHAuthorizedKey
        do {
            key = try SSHAuthorizedKey(line: request.key, username: user.username, addedBy: caller?.actor ?? "local socket", now: Date())
        } catch {
            throw AdminError(.invalidInput, "key: \(error)", problems: ["key: \(error)"])
        }
        var list = try await self.settings(SSHAuthorizedKey.List.self)
        if let existing = list.keys.first(where: { $0.fingerprint == key.fingerprint }) {
            throw AdminError(.conflict, "that key (\(key.fingerprint)) is already \(existing.username)'s")
        }
        guard list.keys.count < SSHAuthorizedKey.List.maximum,
              list.keys.count(where: { $0.username == user.username }) < SSHAuthorizedKey.List.maximumPerUser else {
            throw AdminError(.conflict, "at most \(SSHAuthorizedKey.List.maximumPerUser) keys per user and \(SSHAuthorizedKey.List.maximum) in all")
        }
        list.keys.append(key)
        let stored = list
        try await storeCall { try await store.save(stored) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: [
            "section": "ssh keys", "added": key.fingerprint, "user": user.username,
        ]))
        return SSHKeyView(key)
    }

    public func removeSSHKey(_ fingerprint: String) async throws(AdminError) -> [SSHKeyView] {
        let caller = AdminCaller.current
        var list = try await settings(SSHAuthorizedKey.List.self)
        guard let key = list.keys.first(where: { $0.fingerprint == fingerprint }),
              try await mayManageKeys(of: key.username, caller: caller, access: .view) else {
            throw AdminError(.notFound, "no key \(fingerprint.prefix(60))")
        }
        guard try await mayManageKeys(of: key.username, caller: caller, access: .manage) else {
            throw AdminError(.forbidden, "the role \(caller?.role.name ?? "?") cannot remove keys of \(key.username)")
        }
        list.keys.removeAll { $0.fingerprint == fingerprint }
        let stored = list
        try await storeCall { try await store.save(stored) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: [
            "section": "ssh keys", "removed": fingerprint, "user": key.username,
        ]))
        return try await sshKeys(of: nil)
    }

    /// Whether `caller` may see (or change) the keys of `username`: their own always; another user's with the System
    /// permission and a role that includes theirs. A user who no longer exists is anyone's with the permission.
    private func mayManageKeys(of username: String, caller: AdminCaller?, access: Access) async throws(AdminError) -> Bool {
        guard let caller, caller.credential != .socket else { return true }
        if caller.username == username { return true }
        guard caller.meets(.permission(.system, access)) else { return false }
        guard let user = try await storeCall({ try await store.adminUser(username: username) }) else { return true }
        return caller.role.includes(await role(of: user))
    }

    // MARK: Logins

    /// A console login with a key whose signature was checked: the user, if the key is theirs and the lockout lets
    /// the source in. A refusal is not counted here: the connection counts it once, through `sshLoginRefused`.
    public func sshLogin(username: String, fingerprint: String, origin: LoginOrigin, now: Date = Date()) async -> AdminCaller? {
        let account = String(username.prefix(64))
        if let address = origin.address, logins.refusal(account: account, from: address, now: now) != nil { return nil }
        guard let caller = await sshCaller(username: account, fingerprint: fingerprint, address: origin.address) else { return nil }
        if let address = origin.address { logins.succeeded(account: account, from: address) }
        await record(PortcullisEvent(EventCatalogue.sshLoginSucceeded, time: now, fields: [
            "username": account, "ip": origin.address?.description ?? "local", "source": origin.address?.description ?? "local",
            "key": fingerprint, "role": caller.role.name,
        ]))
        return caller
    }

    /// One failed console login: counted towards the login lockout (and the source's block) like a portal login.
    public func sshLoginRefused(username: String, reason: String, origin: LoginOrigin, now: Date = Date()) async {
        let account = String(username.prefix(64))
        let known = (try? await store.adminUser(username: account)) != nil
        _ = await loginFailed(account: account, known: known, reason: reason, origin: origin, now: now)
    }

    /// Sections whose change can take away a console session's right to exist: its key or its user removed.
    private static let consoleAccessSections: Set<String> = ["ssh keys", "users"]

    /// Ends the console sessions whose key or user no longer opens one, after a change to `section` made here or on
    /// another node (a key removed there ends the sessions it opened here too).
    func endRevokedSSHSessions(after section: String) async {
        guard Self.consoleAccessSections.contains(section), let sshConsole else { return }
        await sshConsole.endRevokedSessions()
    }

    /// The caller a console command runs as, looked up again for every command: a user removed, a role changed or
    /// the key taken away since the login takes effect at once (nil: the session may do nothing more).
    public func sshCaller(username: String, fingerprint: String, address: IPAddress?) async -> AdminCaller? {
        guard let user = try? await store.adminUser(username: username),
              let keys = try? await settings(SSHAuthorizedKey.List.self).keys,
              keys.contains(where: { $0.username == username && ConstantTime.equals(Array($0.fingerprint.utf8), Array(fingerprint.utf8)) })
        else { return nil }
        return AdminCaller(username: user.username, role: await role(of: user), credential: .ssh(fingerprint: fingerprint), address: address)
    }
}

/// `GET /api/v1/ssh`.
public struct SSHOverview: Codable, Sendable {
    public var enabled: Bool
    public var listen: String
    /// Where the running server listens now (nil: off, or no server running).
    public var listening: String?
    public var hostKeyFingerprint: String?
    /// `ssh-ed25519 AAAA...`, for a `known_hosts` line.
    public var hostKey: String?
    public var openConnections: Int
    public var keys: Int
}

/// `PUT /api/v1/ssh`: the fields given change.
public struct SSHChange: StrictCodable {
    public var enabled: Bool?
    public var listen: String?
    public init() {}
    public static let fields: [StrictField<SSHChange>] = [.init("enabled", \.enabled), .init("listen", \.listen)]
}

/// `POST /api/v1/ssh/keys`.
public struct AddSSHKey: StrictCodable {
    public var username = ""
    /// One line of a `.pub` file: `ssh-ed25519 AAAA... comment`.
    public var key = ""
    public init() {}
    public static let fields: [StrictField<AddSSHKey>] = [.init("username", \.username), .init("key", \.key)]
}

/// A key as the API shows it.
public struct SSHKeyView: Codable, Sendable, Equatable {
    public var username: String
    public var type: String
    public var fingerprint: String
    public var comment: String
    public var addedAt: Date
    public var addedBy: String

    init(_ key: SSHAuthorizedKey) {
        username = key.username
        type = key.type
        fingerprint = key.fingerprint
        comment = key.comment
        addedAt = key.addedAt
        addedBy = key.addedBy
    }
}
