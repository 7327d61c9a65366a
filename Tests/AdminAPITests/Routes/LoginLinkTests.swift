@testable import AdminAPI
import Foundation
import Model
import SIPAuth
import Storage
import Testing

/// One-time login links on a fake clock: they work once, until their time, and a newer link replaces the older.
@Suite("Login links")
struct LoginLinkTests {
    @Test func aLinkWorksOnceBeforeItExpires() async throws {
        let service = try TestService.make()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await service.store.createAdminUser(AdminUserRecord(username: "olga", passwordHash: "", role: "Operator", createdAt: start))
        let origin = AdminService.LoginOrigin(address: nil, userAgent: "test", port: 0, scheme: "HTTP")
        func token(_ link: LoginLinkView) -> String { String(link.url.split(separator: "=").last ?? "") }
        func link() async throws -> LoginLinkView {
            try #require(try await service.createLoginLinks(LoginLinkRequest(users: ["olga"], send: false), host: "pbx.example.com:8088",
                                                            scheme: "HTTPS", now: start).first)
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
    }
}

extension LoginLinkRedemption {
    init(token: String) {
        self.init()
        self.token = token
    }
}
