import Events
import Foundation
import Model
import Storage

/// What an extension's user does for themselves (the seed's client login): their own calls, and a new SIP password
/// for their own phone, shown once after they give their portal password again.
extension AdminService {
    public func myCalls(_ query: CallDetailQuery) async throws(AdminError) -> [CallDetailRecord] {
        var query = query
        query.party = try await ownExtension().number
        return try await callRecords(query)
    }

    /// Digests are all the PBX keeps of a SIP password, so "show my credentials" makes a new one: the old one stops
    /// working at once, the new one is answered this once. A wrong portal password counts as a failed login.
    public func renewOwnSIPPassword(_ request: Reauthentication, from origin: LoginOrigin) async throws(AdminError) -> OwnSIPCredentials {
        let user = try await callerUser()
        guard await PasswordHasher.verify(request.password, hash: user.passwordHash) else {
            _ = await loginFailed(account: user.username, known: true, reason: "re-authentication for SIP credentials", origin: origin, now: Date())
            throw AdminError(.invalidInput, "password: wrong", problems: ["password: wrong"])
        }
        var record = try await ownExtension()
        guard let secret = setPassword(nil, generate: true, of: &record) else { throw AdminError(.internalError, "no password was generated") }
        record.updatedAt = Date()
        let updated = record
        try await storeCall { try await store.updateExtension(updated) }
        live.extensionSaved(updated)
        await self.record(PortcullisEvent(EventCatalogue.configurationChanged, fields: [
            "section": "extensions", "updated": updated.number, "changed": "password", "note": "renewed by its user \(user.username)",
        ]))
        return OwnSIPCredentials(extension: updated.number, registrationName: updated.registrationName, realm: realm, password: secret)
    }

    private func ownExtension() async throws(AdminError) -> ExtensionRecord {
        let user = try await callerUser()
        guard let number = user.extensionNumber else { throw AdminError(.conflict, "your account belongs to no extension") }
        return try await existing(number)
    }
}

/// The caller's portal password, given again before something sensitive.
public struct Reauthentication: StrictCodable {
    public var password = ""

    public init() {}

    public init(password: String) {
        self.password = password
    }

    public static let fields: [StrictField<Reauthentication>] = [.required("password", \.password)]
}

public struct OwnSIPCredentials: Codable, Sendable {
    public var `extension`: String
    public var registrationName: String
    public var realm: String
    /// Shown this once.
    public var password: String
}
