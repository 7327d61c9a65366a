import Defense
import DefenseRuntime
import Events
import Foundation
import GeoIP
import Logging
import Model
import Notifications
import PBX
import SIPAuth
import SSHConsole
import SSO
import Storage
import Update

/// Every administrative operation, written once over a `LiveState`: the running PBX, or the store alone when the
/// CLI works without a server. The API's route groups serve them; the CLI reaches them through the API.
public struct AdminService: Sendable {
    public let store: any PortcullisStore
    public let realm: String
    public let live: any LiveState
    var network: NetworkDefense { live.network }
    /// Where the one-time setup token is written for the owner of the data directory (never printed or logged).
    public let setupTokenFile: String?

    /// Seals trunk passwords, TOTP keys and fingerprints route PINs before they are stored.
    let secrets: SecretBox
    /// Failed logins and bad API tokens, counted; blocks go through the running network guard.
    public let logins: LoginGuard
    /// Sign-ins on their way through the OpenID provider, and the provider as discovered.
    let sso = SingleSignOn()
    /// The dashboard's last counts (`securitySummary`).
    let summaryCache = SummaryCache()
    /// `HOST:PORT` the running server's HTTPS listener has, for links made from the CLI; nil without a server.
    public var listenAuthority: String?
    /// The data directory (the database, `secrets.key`, backups by default); nil in tests without one.
    public var dataDirectory: String?
    /// The running server's notifier, told of every change to contacts and the catalogue; nil without a server.
    public var notifier: Notifier?
    /// This node's name in a cluster (`serve --node`); nil for a single node or without a server.
    public var nodeName: String?
    /// Told of every configuration change made here (its section), for the other nodes of a cluster.
    public var onSharedChange: (@Sendable (String) -> Void)?
    /// The running server's SSH console, bound and closed as its settings change; nil without a server.
    public var sshConsole: SSHConsoleServer?

    /// `live` nil: no server runs, the store alone changes.
    public init(store: any PortcullisStore, realm: String, live: (any LiveState)?, secrets: SecretBox, setupTokenFile: String? = nil) {
        self.setupTokenFile = setupTokenFile
        self.secrets = secrets
        self.store = store
        self.realm = realm
        self.live = live ?? OfflineState(store: store)
        logins = LoginGuard(shards: self.live.network.shards)
    }

    // MARK: Extensions

    public func createExtension(_ request: CreateExtensionRequest) async throws(AdminError) -> ExtensionWithSecret {
        var problems: [String] = []
        if let problem = AdminValidation.extensionNumberProblem(request.number) { problems.append("number: \(problem)") }
        let registrationName = request.registrationName ?? request.number
        if let problem = AdminValidation.registrationNameProblem(registrationName) { problems.append("registrationName: \(problem)") }
        if let name = request.name, let problem = AdminValidation.displayNameProblem(name) { problems.append("name: \(problem)") }
        if let password = request.password {
            problems += AdminValidation.sipPasswordProblems(password, number: request.number, registrationName: registrationName,
                                                            name: request.name).map { "password: \($0)" }
        }
        let policy = UpdateExtensionRequest(restrictUserAgents: request.restrictUserAgents, userAgentPrefixes: request.userAgentPrefixes,
                                            permittedNetworks: request.permittedNetworks, maxRegistrations: request.maxRegistrations,
                                            replaceOldestRegistration: request.replaceOldestRegistration,
                                            outbound: request.outbound).applied(to: ExtensionPolicy())
        problems += AdminValidation.policyProblems(policy).map { "\($0.field): \($0.message)" }
        problems += try await outboundRuleProblems(policy.calls)
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        let now = Date()
        var record = ExtensionRecord(number: request.number, registrationName: registrationName, displayName: request.name,
                                     ha1MD5: "", ha1SHA256: "", createdAt: now, updatedAt: now, policy: policy)
        let generated = setPassword(request.password, generate: request.password == nil, of: &record)
        let created = record
        try await storeCall { try await store.createExtension(created) }
        live.extensionSaved(created)
        await self.record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "extensions", "created": created.number]))
        return ExtensionWithSecret(extension: view(created), password: generated)
    }

    public func extensions() async throws(AdminError) -> [ExtensionView] {
        try await storeCall { try await store.extensions() }.map(view)
    }

    /// A page of extensions for a caller whose role reaches every extension (the store pages and counts them).
    public func extensions(containing search: String?, offset: Int, limit: Int) async throws(AdminError) -> ListResponse<ExtensionView> {
        let page = try await storeCall { try await store.extensions(containing: search, offset: offset, limit: limit) }
        return ListResponse(items: page.records.map(view), total: page.total)
    }

    public func extensionView(_ number: String) async throws(AdminError) -> ExtensionView {
        view(try await existing(number))
    }

    public func updateExtension(_ number: String, _ request: UpdateExtensionRequest) async throws(AdminError) -> ExtensionWithSecret {
        var record = try await existing(number)
        var problems: [String] = []
        let registrationName = request.registrationName ?? record.registrationName
        if let problem = AdminValidation.registrationNameProblem(registrationName) { problems.append("registrationName: \(problem)") }
        if let name = request.name, let problem = AdminValidation.displayNameProblem(name) { problems.append("name: \(problem)") }
        let name = request.name.map { $0.isEmpty ? nil : $0 } ?? record.displayName
        if let password = request.password {
            problems += AdminValidation.sipPasswordProblems(password, number: number, registrationName: registrationName, name: name)
                .map { "password: \($0)" }
        }
        if request.password != nil && request.generatePassword == true { problems.append("give password or generatePassword, not both") }
        if registrationName != record.registrationName && request.password == nil && request.generatePassword != true {
            problems.append("registrationName: a new registration name needs a new password (password or generatePassword): "
                            + "the stored digests are computed over the name")
        }
        let policy = request.applied(to: record.policy)
        problems += AdminValidation.policyProblems(policy).map { "\($0.field): \($0.message)" }
        problems += try await outboundRuleProblems(policy.calls)
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        record.registrationName = registrationName
        record.displayName = name
        record.policy = policy
        let generated = setPassword(request.password, generate: request.generatePassword == true, of: &record)
        record.updatedAt = Date()
        let updated = record
        try await storeCall { try await store.updateExtension(updated) }
        live.extensionSaved(updated)
        await self.record(PortcullisEvent(EventCatalogue.configurationChanged, fields: [
            "section": "extensions", "updated": number, "changed": request.givenFields.joined(separator: ","),
        ]))
        return ExtensionWithSecret(extension: view(updated), password: generated)
    }

    public func deleteExtension(_ number: String) async throws(AdminError) {
        let deleted = try await storeCall { try await store.deleteExtension(number: number) }
        guard deleted else { throw AdminError(.notFound, "extension \(number) does not exist") }
        try await live.extensionRemoved(number)
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "extensions", "removed": number]))
    }

    // MARK: Call records

    public func callRecords(_ query: CallDetailQuery) async throws(AdminError) -> [CallDetailRecord] {
        try await storeCall { try await store.callRecords(query) }
    }

    // MARK: Registrations and events

    /// Live bindings: from memory when the server runs, from the store (unexpired only) otherwise.
    public func registrations() async throws(AdminError) -> [RegistrationView] {
        let now = Date()
        return try await live.bindings().filter { $0.expiresAt > now }.map { binding in
            RegistrationView(extension: binding.aor, contact: binding.contact, expiresAt: binding.expiresAt,
                             expiresIn: binding.remainingSeconds(at: now), source: binding.source, transport: binding.transport,
                             userAgent: binding.userAgent)
        }
    }

    public func events(_ query: EventQuery) async throws(AdminError) -> [EventView] {
        try await storeCall { try await store.events(query) }.map(EventView.init)
    }

    /// Marks events read or unread (the seed's "mark all as read"); a list or everything, never an empty guess.
    public func markEvents(read: Bool, _ marking: EventMarking) async throws(AdminError) -> EventMarkingResult {
        guard marking.all != !marking.ids.isEmpty else { throw AdminError(.invalidInput, "give ids or all, one of them") }
        guard marking.ids.count <= EventMarking.maxIDs else { throw AdminError(.invalidInput, "ids: at most \(EventMarking.maxIDs)") }
        let changed = try await storeCall { try await store.markEvents(read: read, ids: marking.all ? nil : marking.ids) }
        return EventMarkingResult(changed: changed)
    }

    // MARK: Tokens and setup

    /// A setup token works for this long after it was issued.
    public static let setupTokenLifetime: TimeInterval = 24 * 3600

    /// While no Super Administrator exists, makes sure a one-time setup token works: keeps the unexpired one issued
    /// earlier, or makes a new one (only its hash and expiry are stored) and writes it, readable by the owner only, to
    /// `setupTokenFile`. Returns when it stops working; nil once an administrator exists.
    public func issueSetupTokenIfNeeded(now: Date = Date()) async throws(AdminError) -> Date? {
        guard try await storeCall({ try await store.adminUsers() }).isEmpty else { return nil }
        if let stored = try await storeCall({ try await store.setting(AdminService.setupKey) }), let issued = SetupToken(stored: stored),
           issued.expires > now, let setupTokenFile, FileManager.default.fileExists(atPath: setupTokenFile) {
            return issued.expires
        }
        let token = SecretGenerator.token(prefix: "setup_")
        let stored = SetupToken(hash: SecretGenerator.sha256Hex(token), expires: now.addingTimeInterval(AdminService.setupTokenLifetime))
        if let setupTokenFile {
            try? FileManager.default.removeItem(atPath: setupTokenFile)
            guard FileManager.default.createFile(atPath: setupTokenFile, contents: Data((token + "\n").utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw AdminError(.internalError, "cannot write the setup token to \(setupTokenFile)")
            }
        }
        try await storeCall { try await store.setSetting(AdminService.setupKey, value: stored.stored) }
        return stored.expires
    }

    /// Creates the Super Administrator with the setup token, which is consumed in the same transaction (so of many
    /// requests racing with it, one succeeds), and only while no administrator exists; returns an API token.
    public func setup(_ request: SetupRequest, now: Date = Date()) async throws(AdminError) -> CreatedToken {
        let refused = AdminError(.unauthorized, "the setup token is wrong, expired or was already used")
        let stored = try await storeCall { try await store.setting(AdminService.setupKey) }
        guard let stored, let expected = SetupToken(stored: stored),
              ConstantTime.equals(Array(expected.hash.utf8), Array(SecretGenerator.sha256Hex(request.setupToken).utf8)) else {
            await record(PortcullisEvent(EventCatalogue.setupRefused, fields: ["reason": "wrong or used token"]))
            throw refused
        }
        guard expected.expires > now else {
            await record(PortcullisEvent(EventCatalogue.setupRefused, fields: ["reason": "expired token"]))
            throw refused
        }
        if let problem = AdminService.usernameProblem(request.username) { throw AdminError(.invalidInput, "username \(problem)") }
        var user = AdminUserRecord(username: request.username, passwordHash: "", role: Role.superAdministrator.name, createdAt: now)
        let problems = AdminService.passwordProblems(request.password, for: user)
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        user.passwordHash = await PasswordHasher.hash(request.password)
        user.passwordChangedAt = now
        guard try await storeCall({ try await store.createFirstAdministrator(user, consuming: AdminService.setupKey, value: stored) }) else {
            await record(PortcullisEvent(EventCatalogue.setupRefused, fields: ["reason": "token already used"]))
            throw refused
        }
        if let setupTokenFile { try? FileManager.default.removeItem(atPath: setupTokenFile) }
        await record(PortcullisEvent(EventCatalogue.superAdministratorCreated, fields: ["username": request.username]))
        return try await createToken(name: "\(request.username) (setup)", for: user)
    }

    /// An event, live through the bus or straight into the store when no server runs. Raised by an operation, it
    /// names who asked and from where (`by`, `from`), unless it already does.
    func record(_ event: PortcullisEvent) async {
        if event.kind == EventCatalogue.configurationChanged {
            let section = event.fields["section"] ?? ""
            onSharedChange?(section)
            await endRevokedSSHSessions(after: section)
        }
        guard let caller = AdminCaller.current else { return await live.record(event) }
        var fields = event.fields
        if fields["by"] == nil { fields["by"] = caller.actor }
        if fields["from"] == nil, let address = caller.address { fields["from"] = address.description }
        await live.record(PortcullisEvent(event.kind, time: event.time, fields: fields))
    }

    // MARK: Configuration

    /// A stored section, or its defaults when none is stored.
    func settings<Section: StoredSettings>(_ type: Section.Type) async throws(AdminError) -> Section {
        try await storeCall { try await store.settings(type) }
    }

    /// The whole configuration as YAML. Extensions carry their HA1 digests only with `secrets` (an HA1 logs in as the
    /// extension); without them, applying the file keeps the stored credentials.
    public func exportConfiguration(secrets: Bool = false) async throws(AdminError) -> String {
        let records = try await storeCall { try await store.extensions() }
        let document = ConfigDocument(sip: try await settings(SIPSettings.self), api: try await settings(APISettings.self),
                                      network: try await networkSettings(), routing: try await storedRouting(),
                                      outbound: try await outboundPolicy(), login: try await loginDefense(),
                                      events: try await settings(EventSettings.self), update: try await settings(UpdateSettings.self),
                                      extensions: records.map {
            ConfigDocument.ExtensionEntry(number: $0.number, registrationName: $0.registrationName == $0.number ? nil : $0.registrationName,
                                          name: $0.displayName, password: nil, ha1MD5: secrets ? $0.ha1MD5 : nil,
                                          ha1SHA256: secrets ? $0.ha1SHA256 : nil,
                                          policy: $0.policy, line: 0)
        })
        return document.yaml()
    }

    /// Makes the stored configuration equal to the document, in one transaction; nothing changes if it is invalid or
    /// its network section would cut off `caller` (unless `force`).
    public func applyConfiguration(yaml: String, file: String, caller: IPAddress? = nil, callerPort: Int = 0,
                                   force: Bool = false) async throws(AdminError) -> ConfigApplyResult {
        let document = try ConfigDocument(yaml: yaml, file: file)
        var network: NetworkDefense.PreparedSettings?
        if let settings = document.network {
            network = try await networkCall { try await self.network.prepare(settings, caller: caller, callerPort: callerPort, force: force) }
        }
        let current = Dictionary(uniqueKeysWithValues: try await storeCall { try await store.extensions() }.map { ($0.number, $0) })
        let now = Date()
        var records: [ExtensionRecord] = []
        var problems: [String] = []
        var created = 0, updated = 0
        for entry in document.extensions {
            let existing = current[entry.number]
            var record = existing ?? ExtensionRecord(number: entry.number, displayName: nil, ha1MD5: "", ha1SHA256: "", createdAt: now, updatedAt: now)
            record.registrationName = entry.registrationName ?? entry.number
            record.displayName = entry.name
            record.policy = entry.policy
            if let password = entry.password {
                setPassword(password, generate: false, of: &record)
            } else if let md5 = entry.ha1MD5, let sha256 = entry.ha1SHA256 {
                record.ha1MD5 = md5.lowercased()
                record.ha1SHA256 = sha256.lowercased()
            } else if existing == nil {
                problems.append("\(file):\(entry.line): extensions: extension \(entry.number) is new and needs a password or ha1")
            } else if existing?.registrationName != record.registrationName {
                problems.append("\(file):\(entry.line): extensions: extension \(entry.number) has a new registration name and needs "
                                + "a password or ha1 (the digests are computed over the name)")
            }
            if let existing {
                if existing != record { record.updatedAt = now; updated += 1 }
            } else {
                created += 1
            }
            records.append(record)
        }
        guard problems.isEmpty else {
            throw AdminError(.invalidConfiguration, "\(file): \(problems.count) problem(s), nothing was changed", problems: problems)
        }
        let removed = Set(current.keys).subtracting(records.map(\.number))
        let previous = (sip: try await settings(SIPSettings.self), api: try await settings(APISettings.self))
        var stored: [String: String?] = [SIPSettings.storeKey: try encoded(document.sip), APISettings.storeKey: try encoded(document.api)]
        if let network { stored[NetworkSettings.storeKey] = try encoded(network.settings) }
        var routing = document.routing
        if var changed = routing {
            // Trunk passwords left out of the file (as exported) are kept from the stored routing.
            let current = try await storedRouting()
            for index in changed.trunks.indices where changed.trunks[index].password == nil && changed.trunks[index].username != nil {
                changed.trunks[index].password = current.trunks.first { $0.name == changed.trunks[index].name }?.password
                if changed.trunks[index].password == nil {
                    problems.append("\(file): trunk '\(changed.trunks[index].name)' is new and needs a password")
                }
            }
            routing = changed.sealed(with: secrets)
            stored[RoutingSettings.storeKey] = try encoded(routing)
        }
        var policy = document.outbound ?? OutboundPolicySettings()
        if document.outbound == nil { policy = try await outboundPolicy() }
        var checkedRouting = routing ?? RoutingSettings()
        if routing == nil { checkedRouting = try await storedRouting() }
        problems += policyProblems(policy, routing: checkedRouting, extensions: records).map { "\(file): \($0)" }
        if let outbound = document.outbound {
            stored[OutboundPolicySettings.storeKey] = try encoded(outbound)
        }
        if let login = document.login {
            let known = try await roleNames()
            problems += login.twoFactorRoles.filter { !known.contains($0) }.map { "\(file): login.twoFactorRoles: no role named '\($0.prefix(40))'" }
            stored[LoginDefenseSettings.storeKey] = try encoded(login)
        }
        var retentionChanged = false
        if let events = document.events {
            retentionChanged = events.retention != (try await settings(EventSettings.self)).retention
            stored[EventSettings.storeKey] = try encoded(events)
        }
        if let update = document.update {
            if let caFile = update.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
                problems.append("\(file): update.caFile: cannot read \(caFile)")
            }
            stored[UpdateSettings.storeKey] = try encoded(update)
        }
        guard problems.isEmpty else {
            throw AdminError(.invalidConfiguration, "\(file): \(problems.count) problem(s), nothing was changed", problems: Array(Set(problems)).sorted())
        }
        let finalRecords = records, finalSettings = stored
        try await storeCall { try await store.replaceConfiguration(extensions: finalRecords, settings: finalSettings) }
        if let network { try await networkCall { try await self.network.activate(network, persist: false) } }
        live.configurationApplied(extensions: finalRecords, removed: removed, sip: document.sip)
        if routing != nil || document.outbound != nil { try live.routingChanged(checkedRouting, policy: policy) }
        if let login = document.login { logins.update(login) }
        if document.events != nil { await notifier?.reload() }
        if retentionChanged { _ = try await storeCall { try await RetentionReport.pass(over: store) } }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: [
            "section": "configuration", "file": file, "created": String(created), "updated": String(updated), "removed": String(removed.count),
        ]))
        // Registration bounds, the registration defense and call limits are live; the rest waits for a restart.
        var restart = previous.sip
        restart.registration = document.sip.registration
        restart.lockout = document.sip.lockout
        restart.scanners = document.sip.scanners
        restart.calls = document.sip.calls
        return ConfigApplyResult(extensionsCreated: created, extensionsUpdated: updated, extensionsRemoved: removed.count,
                                 restartRequired: restart != document.sip || previous.api != document.api)
    }

    // MARK: Bootstrap

    static let setupKey = "setup.token_sha256"
    static let realmKey = "sip.realm"
    static let nonceKeyKey = "sip.nonce_key"

    /// The realm and nonce key, created on first use and kept: HA1 digests depend on the realm, and a kept key
    /// lets nonces survive restarts.
    public static func secrets(_ store: any PortcullisStore) async throws(AdminError) -> (realm: String, nonceKey: [UInt8]) {
        var realm = try await storeCall { try await store.setting(realmKey) }
        if realm == nil {
            // Chosen at first start, so HA1 digests taken from one install are worth nothing at another.
            let chosen = "portcullis-" + String(SecretGenerator.token(prefix: "").prefix(8))
            realm = chosen
            try await storeCall { try await store.setSetting(realmKey, value: chosen) }
        }
        var keyHex = try await storeCall { try await store.setting(nonceKeyKey) }
        if keyHex == nil {
            keyHex = String(SecretGenerator.token(prefix: "").prefix(64))
            let value = keyHex
            try await storeCall { try await store.setSetting(nonceKeyKey, value: value) }
        }
        guard let key = Hex.decode(keyHex ?? ""), key.count >= 16 else {
            throw AdminError(.internalError, "the stored nonce key is damaged; delete the setting \(nonceKeyKey) to make a new one")
        }
        return (realm ?? "portcullis", key)
    }


    // MARK: Helpers

    func existing(_ number: String) async throws(AdminError) -> ExtensionRecord {
        guard let record = try await storeCall({ try await store.extensionRecord(number: number) }) else {
            throw AdminError(.notFound, "extension \(number) does not exist")
        }
        return record
    }

    /// Stores the digests of `password`, or of a generated one (returned, to be shown once), over the record's
    /// registration name.
    @discardableResult
    func setPassword(_ password: String?, generate: Bool, of record: inout ExtensionRecord) -> String? {
        let names = AdminValidation.credentialNames(number: record.number, registrationName: record.registrationName, name: record.displayName)
        let generated = generate ? SecretGenerator.password(number: record.number, names: names) : nil
        guard let secret = password ?? generated else { return nil }
        record.ha1MD5 = DigestAlgorithm.md5.ha1(username: record.registrationName, realm: realm, password: secret)
        record.ha1SHA256 = DigestAlgorithm.sha256.ha1(username: record.registrationName, realm: realm, password: secret)
        return generated
    }

    private func view(_ record: ExtensionRecord) -> ExtensionView {
        ExtensionView(number: record.number, registrationName: record.registrationName, name: record.displayName,
                      registeredContacts: live.registeredContacts(record.number),
                      restrictUserAgents: record.policy.restrictsUserAgents, userAgentPrefixes: record.policy.userAgentPrefixes, permittedNetworks: record.policy.permittedNetworks,
                      maxRegistrations: record.policy.maxRegistrations, replaceOldestRegistration: record.policy.replaceOldest,
                      outbound: record.policy.calls, createdAt: record.createdAt, updatedAt: record.updatedAt)
    }

    /// `value` as the JSON the store keeps.
    private func encoded(_ value: some Encodable) throws(AdminError) -> String {
        do {
            return try SettingsJSON.encode(value)
        } catch {
            throw AdminError(.internalError, "\(error)")
        }
    }

    func storeCall<T>(_ body: () async throws -> T) async throws(AdminError) -> T {
        try await AdminService.storeCall(body)
    }

    static func storeCall<T>(_ body: () async throws -> T) async throws(AdminError) -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            switch error {
            case .alreadyExists(let what): throw AdminError(.conflict, "\(what) already exists")
            case .notFound(let what): throw AdminError(.notFound, "\(what) does not exist")
            case .backend(let detail): throw AdminError(.internalError, detail)
            case .unreadable: throw AdminError(.internalError, error.description)
            case .newerVersion: throw AdminError(.invalidInput, error.description)
            }
        } catch let error as AdminError {
            throw error
        } catch {
            throw AdminError(.internalError, "\(error)")
        }
    }
}
