@testable import AdminAPI
import Foundation
import Model
import SIPAuth
import Storage
import Testing

/// One-time login links and sessions on a fake clock: a link works once, until its time, and a newer link replaces the
/// older; a session ends when idle too long or at its absolute end.
@Suite("Login links and sessions")
struct LoginLinkTests {
    @Test func aLinkWorksOnceBeforeItExpires() async throws {
        let service = try TestService.make()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await service.store.createAdminUser(AdminUserRecord(username: "olga", passwordHash: "", role: "Operator", createdAt: start))
        let origin = AdminService.LoginOrigin(address: nil, userAgent: "test", port: 0, scheme: "HTTP")
        func token(_ link: LoginLinkView) -> String { String(link.url.split(separator: "=").last ?? "") }
        func link() async throws -> LoginLinkView {
            try #require(try await service.createLoginLinks(LoginLinkRequest(users: ["olga"], send: false), host: "pbx.example.com:8088", now: start).first)
        }
        let expiring = try await link()
        #expect(expiring.url.hasPrefix("https://pbx.example.com:8088/login-link?token=") && expiring.expiresAt == start.addingTimeInterval(86_400))
        await #expect(throws: AdminService.loginRefused, "expired at its time") {
            try await service.redeemLoginLink(LoginLinkRedemption(token: token(expiring)), from: origin, now: start.addingTimeInterval(86_400))
        }
        let older = try await link()
        let newer = try await link()
        await #expect(throws: AdminService.loginRefused, "replaced") {
            try await service.redeemLoginLink(LoginLinkRedemption(token: token(older)), from: origin, now: start.addingTimeInterval(60))
        }
        let session = try await service.redeemLoginLink(LoginLinkRedemption(token: token(newer)), from: origin, now: start.addingTimeInterval(60))
        #expect(session.username == "olga" && !session.mustEnrolSecondFactor)
        await #expect(throws: AdminService.loginRefused, "used once") {
            try await service.redeemLoginLink(LoginLinkRedemption(token: token(newer)), from: origin, now: start.addingTimeInterval(61))
        }
        // The session it opened: 30 minutes idle ends it, activity keeps it, 12 hours end it whatever.
        let opened = start.addingTimeInterval(60)
        #expect(await service.sessionCaller(session.sessionSecret, address: nil, now: opened.addingTimeInterval(29 * 60))?.caller.username == "olga")
        #expect(await service.sessionCaller(session.sessionSecret, address: nil, now: opened.addingTimeInterval(60 * 60)) == nil, "idle 31 minutes")
        let busy = try await link()
        let lasting = try await service.redeemLoginLink(LoginLinkRedemption(token: token(busy)), from: origin, now: opened)
        for minutes in stride(from: 20, through: 700, by: 20) {
            #expect(await service.sessionCaller(lasting.sessionSecret, address: nil, now: opened.addingTimeInterval(Double(minutes) * 60)) != nil)
        }
        #expect(await service.sessionCaller(lasting.sessionSecret, address: nil, now: opened.addingTimeInterval(12 * 3600 + 60)) == nil,
                "the absolute lifetime")
    }
}

extension LoginLinkRedemption {
    init(token: String) {
        self.init()
        self.token = token
    }
}
