@testable import AdminAPI
import Defense
import Foundation
import Hummingbird
import Model
import Prometheus
import SIPAuth
import Storage
import Testing

@Suite("Admin routes and their OpenAPI document")
struct AdminRoutesTests {
    func service() throws -> AdminService { try TestService.make() }

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func theDocumentListsExactlyTheRoutesTheRouterServes() async throws {
        let service = try service()
        let router = AdminRouter.make(service: service, registry: PrometheusCollectorRegistry(), access: .socket)
        let served = Set(router.routes.map { "\($0.method.rawValue.lowercased()) \(OpenAPIDocument.path("\($0.path)"))" })
        let (status, type, body) = try await InProcessAdmin(service: service).send(.get, "/api/v1/openapi.json", body: nil, contentType: nil)
        #expect(status == 200 && type?.hasPrefix("application/json") == true)
        let document = try json(body)
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let described = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
        #expect(described == served)
        #expect(served.contains("put /api/v1/registration-defense") && served.contains("get /healthz"))
    }

    @Test func aStrictBodyIsDescribedWithItsFieldsAndNoOthers() async throws {
        let service = try service()
        let (_, _, body) = try await InProcessAdmin(service: service).send(.get, "/api/v1/openapi.json", body: nil, contentType: nil)
        let schemas = try #require((try json(body)["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        let block = try #require(schemas["ManualBlockRequest"])
        #expect(block["additionalProperties"] as? Bool == false)
        #expect(block["required"] as? [String] == ["source"])
        #expect(Set((block["properties"] as? [String: Any])?.keys.map { $0 } ?? []) == ["source", "duration", "service", "note", "force"])
    }

    /// The review's case: a misspelt field in `PUT /api/v1/registration-defense` was accepted and ignored.
    @Test func aMisspeltFieldIsRefusedByNameAndChangesNothing() async throws {
        let service = try service()
        let admin = InProcessAdmin(service: service)
        let before = try await service.registrationDefense()
        for (body, field) in [(#"{"lockout": {"failuresPerSource": 3, "windw": 5}}"#, "lockout.windw: unknown field"),
                              (#"{"lockot": {}}"#, "lockot: unknown field"),
                              (#"{"scanners": {"action": "explode"}}"#, "scanners.action: must be block, drop or off, got 'explode'")] {
            let (status, _, answer) = try await admin.send(.put, "/api/v1/registration-defense", body: Array(body.utf8), contentType: "application/json")
            #expect(status == 400)
            #expect((try json(answer)["detail"] as? String)?.contains(field) == true, "\(String(decoding: answer, as: UTF8.self))")
        }
        #expect(try await service.registrationDefense() == before)
        let (status, _, _) = try await admin.send(.put, "/api/v1/registration-defense", body: Array(#"{"lockout": {"failuresPerSource": 3}}"#.utf8),
                                                  contentType: "application/json")
        #expect(status == 200)
        let after = try await service.registrationDefense()
        #expect(after.lockout.failuresPerSource == 3 && after.lockout.window == RegistrationLockoutSettings().window)
    }
}

@Suite("API tokens")
struct TokenLifetimeTests {
    @Test func anExpiredOrRevokedTokenIsRefusedAtOnceAndUseIsRecorded() async throws {
        let service = try TestService.make()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await service.store.createAdminUser(AdminUserRecord(username: "admin", passwordHash: "", role: "Super Administrator", createdAt: start))
        try await service.store.createAdminUser(AdminUserRecord(username: "op", passwordHash: "", role: "Operator", createdAt: start))
        let lasting = try await service.createToken(CreateTokenRequest(name: "lasting"), now: start)
        let brief = try await service.createToken(CreateTokenRequest(name: "brief", expiresIn: 60, user: "op"), now: start)
        let caller = await service.tokenCaller(brief.token, address: nil, now: start.addingTimeInterval(59))
        #expect(caller?.username == "op" && caller?.role.name == "Operator", "a token acts for its user, with the user's role")
        #expect(caller?.actor == "op (token brief)")
        #expect(await service.tokenCaller(brief.token, address: nil, now: start.addingTimeInterval(60)) == nil, "expired at its time")
        #expect(try await service.tokens().first { $0.name == "brief" }?.lastUsedAt == start.addingTimeInterval(59))
        #expect(await service.tokenCaller(lasting.token, address: nil, now: start.addingTimeInterval(86_400 * 365))?.username == "admin",
                "no expiry: until revoked; without a user, the Super Administrator's")
        _ = try await service.revokeToken(lasting.info.id)
        #expect(await service.tokenCaller(lasting.token, address: nil, now: start) == nil, "revoked: refused at once")
        await #expect(throws: AdminError.self) { try await service.revokeToken(lasting.info.id) }
        await #expect(throws: AdminError.self) { try await service.createToken(CreateTokenRequest(name: "x", expiresIn: 5)) }
        _ = try await service.removeUser("op")
        #expect(await service.tokenCaller(brief.token, address: nil, now: start) == nil, "a removed user's tokens go with them")
    }
}
