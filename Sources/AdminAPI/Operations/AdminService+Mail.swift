import Events
import Foundation
import Mail
import Model
import SIPAuth
import Storage

/// The `smtp` settings and what is sent by mail: emailed login codes, login links, a test message.
extension AdminService {
    /// The settings as shown: without the password.
    public func smtpSettings() async throws(AdminError) -> SMTPSettingsView {
        let stored = try await settings(SMTPSettings.self)
        var shown = stored
        shown.password = nil
        return SMTPSettingsView(settings: shown, passwordSet: stored.password != nil)
    }

    /// Replaces the settings; a password left out keeps the stored one (for the same username).
    public func updateSMTP(_ update: SMTPSettings) async throws(AdminError) -> SMTPSettingsView {
        var settings = update
        let stored = try await self.settings(SMTPSettings.self)
        if settings.password == nil, settings.username != nil, settings.username == stored.username { settings.password = stored.password.flatMap { try? secrets.open($0) } }
        var problems = settings.problems
        if let caFile = settings.caFile, !FileManager.default.isReadableFile(atPath: caFile) { problems.append("smtp.caFile: cannot read \(caFile)") }
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        settings.password = settings.password.map(secrets.seal)
        let sealed = settings
        try await storeCall { try await store.save(sealed) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "smtp", "host": settings.host]))
        return try await smtpSettings()
    }

    /// Sends a test message to `to` and waits for the outcome (retries included).
    public func testSMTP(_ request: SMTPTestRequest) async throws(AdminError) -> SMTPTestResult {
        guard let message = MailMessage(from: try await settings(SMTPSettings.self).from.nonEmpty ?? "portcullis@localhost", to: request.to,
                                        subject: "Portcullis test message", body: "This message was sent by `portcullis smtp test`.") else {
            throw AdminError(.invalidInput, "to: must be an address such as name@example.com")
        }
        try await send(message)
        return SMTPTestResult(sent: true, to: request.to)
    }

    func mailConfigured() async throws(AdminError) -> Bool { try await settings(SMTPSettings.self).isConfigured }

    /// Sends now and waits; the error names the server and what it said.
    func send(_ message: MailMessage) async throws(AdminError) {
        let settings = try await settings(SMTPSettings.self)
        guard settings.isConfigured else { throw AdminError(.conflict, "no mail server is configured: portcullis smtp set ...") }
        let client = SMTPClient(settings: settings, password: settings.password.flatMap { try? secrets.open($0) })
        do {
            try await client.send(message)
        } catch {
            throw AdminError(.upstreamFailed, error.description)
        }
    }

    /// A message to `to` from the configured sender; nil when an address does not qualify.
    func message(to: String, subject: String, body: String) async throws(AdminError) -> MailMessage? {
        MailMessage(from: try await settings(SMTPSettings.self).from, to: to, subject: subject, body: body)
    }

    /// Stores a new 6-digit code's hash for `user` (replacing an earlier one) and mails the code, in the background so
    /// the login answers at once; a delivery failure is logged as an event, never the code.
    func sendEmailCode(to user: inout AdminUserRecord, address: String, now: Date) async throws(AdminError) {
        let code = SecretGenerator.numericCode()
        user.twoFactor.emailCodeHash = SecretGenerator.sha256Hex(code)
        user.twoFactor.emailCodeExpires = now.addingTimeInterval(AdminService.emailCodeLifetime)
        let updated = user
        _ = try await storeCall { try await store.updateAdminUser(updated) }
        guard let message = try await message(to: address, subject: "Your Portcullis login code",
                                              body: "Your login code is \(code). It works once, for 10 minutes.\n\nIf you did not try to log in, tell your administrator: someone knows your password.") else {
            return
        }
        let username = user.username
        Task {
            do {
                try await send(message)
            } catch {
                await record(PortcullisEvent(EventCatalogue.notificationDeliveryFailed, fields: ["purpose": "login code", "username": username,
                                                                                          "reason": "\(error)"]))
            }
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

/// `GET /api/v1/smtp`.
public struct SMTPSettingsView: Codable, Sendable {
    public var settings: SMTPSettings
    public var passwordSet: Bool
}

/// Body of `POST /api/v1/smtp/test`.
public struct SMTPTestRequest: StrictCodable {
    public var to = ""
    public init() {}
    public init(to: String) { self.to = to }
    public static let fields: [StrictField<SMTPTestRequest>] = [.required("to", \.to)]
}

public struct SMTPTestResult: Codable, Sendable {
    public var sent: Bool
    public var to: String
}
