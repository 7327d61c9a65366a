import Defense
import DefenseRuntime
import Events
import Foundation
import Model
import QRCode
import Storage

/// One-time login links and their QR codes (the seed: "can only be used ONCE"): random, stored hashed, expiring
/// (24 h by default), replaced by a newer one, deleted when used. Using one opens a session; a required second
/// factor is still asked for.
extension AdminService {
    static let maxLinksAtOnce = 500

    /// Links for the users named, each mailed to the user's address with `send` (a welcome email). The links point at
    /// `host` (the Host the request came to), else at the address the running server listens on (or the configured
    /// one), always over HTTPS.
    public func createLoginLinks(_ request: LoginLinkRequest, host: String?, now: Date = Date()) async throws(AdminError) -> [LoginLinkView] {
        var authority = host ?? listenAuthority
        if authority == nil { authority = try await settings(APISettings.self).listen }
        let baseURL = "https://\(authority ?? "")"
        guard (1...AdminService.maxLinksAtOnce).contains(request.users.count) else {
            throw AdminError(.invalidInput, "users: name 1-\(AdminService.maxLinksAtOnce) users")
        }
        let hours = try await settings(LoginDefenseSettings.self).loginLinkHours
        if request.send, !(try await mailConfigured()) { throw AdminError(.conflict, "no mail server is configured: portcullis smtp set ...") }
        var users: [AdminUserRecord] = []
        for username in request.users {
            let user = try await user(named: username)
            try await requireAuthority(over: user)
            if request.send, user.email == nil { throw AdminError(.invalidInput, "users: \(username) has no email address to send the link to") }
            users.append(user)
        }
        var links: [LoginLinkView] = []
        for user in users {
            let secret = SecretGenerator.token(prefix: "")
            let link = LoginLinkRecord(secretHash: SecretGenerator.sha256Hex(secret), username: user.username, createdAt: now,
                                       expiresAt: now.addingTimeInterval(TimeInterval(hours * 3600)))
            try await storeCall { try await store.replaceLoginLink(link) }
            let url = "\(baseURL)/login-link?token=\(secret)"
            var view = LoginLinkView(username: user.username, url: url, expiresAt: link.expiresAt, qrSVG: QRCode(url)?.svg() ?? "", sent: false)
            if request.send, let email = user.email, let message = try await message(to: email, subject: "Welcome to Portcullis", body: """
                Hello \(user.name ?? user.username),

                Log in to Portcullis once with this link (it works one time, until \(ISO8601DateFormatter().string(from: link.expiresAt))):

                \(url)

                Then set your own password. If you did not expect this message, tell your administrator.
                """) {
                try await send(message)
                view.sent = true
            }
            await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "login links", "created": user.username,
                                                                                        "sent": String(view.sent)]))
            links.append(view)
        }
        return links
    }

    /// Opens a session with a login link: once, before it expires, with the second factor when one is required. A
    /// wrong link counts as a failed login from the address.
    public func redeemLoginLink(_ request: LoginLinkRedemption, from origin: LoginOrigin, now: Date = Date()) async throws(AdminError) -> LoginAnswer {
        let hash = SecretGenerator.sha256Hex(request.token)
        let account = "(login link)"
        try refuseLockedOutSource(account: account, origin: origin, now: now)
        guard request.token.count == 64, let link = try await storeCall({ try await store.loginLink(secretHash: hash) }), link.expiresAt > now,
              var user = try await storeCall({ try await store.adminUser(username: link.username) }) else {
            throw await loginFailed(account: account, known: false, reason: "unknown, used or expired login link", origin: origin, now: now)
        }
        var method = "login link"
        var mustEnrol = false
        if try await requiresTwoFactor(user) {
            if user.twoFactor.hasTOTP {
                method += "+" + (try await secondFactor(&user, code: request.code, recoveryCode: request.recoveryCode, origin: origin, now: now))
            } else {
                mustEnrol = true
            }
        }
        guard try await storeCall({ try await store.consumeLoginLink(secretHash: hash) }) != nil else {
            throw await loginFailed(account: account, known: false, reason: "login link already used", origin: origin, now: now)
        }
        return try await openSession(for: user, method: method, mustEnrol: mustEnrol, origin: origin, now: now)
    }
}

/// Body of `POST /api/v1/login-links`.
public struct LoginLinkRequest: StrictCodable {
    public var users: [String] = []
    /// Mail each link to its user (a welcome email).
    public var send = false

    public init() {}

    public init(users: [String], send: Bool) {
        self.users = users
        self.send = send
    }

    public static let fields: [StrictField<LoginLinkRequest>] = [.required("users", \.users), .init("send", \.send)]
}

public struct LoginLinkView: Codable, Sendable {
    public var username: String
    public var url: String
    public var expiresAt: Date
    public var qrSVG: String
    public var sent: Bool
}

/// Body of `POST /api/v1/login/link`.
public struct LoginLinkRedemption: StrictCodable {
    public var token = ""
    public var code: String?
    public var recoveryCode: String?
    public init() {}
    public static let fields: [StrictField<LoginLinkRedemption>] = [.required("token", \.token), .init("code", \.code), .init("recoveryCode", \.recoveryCode)]
}
