@testable import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Model
import NIOCore
import Prometheus
import SIPAuth
import Storage
import Testing

/// Every built-in role against every operation of the API, through the TCP listener's router with a token of that
/// role: refused with 403 exactly when the role lacks the operation's permission, and the permission is the one the
/// OpenAPI document states.
@Suite("Roles and permissions")
struct RolePermissionTests {
    @Test func eachRoleIsAllowedExactlyWhatItsPermissionsSay() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-roles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let service = AdminService(store: try SQLiteStore(path: directory.appendingPathComponent("a.sqlite").path), realm: "portcullis",
                                   live: nil, secrets: SecretBox(key: Array(repeating: 7, count: 32)))
        let responder = AdminRouter.make(service: service, registry: PrometheusCollectorRegistry(), trusted: false).buildResponder()
        let (_, _, body) = try await InProcessAdmin(service: service).send(.get, "/api/v1/openapi.json", body: nil, contentType: nil)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        let roles = Role.builtIns + [Role(name: "Removed Role", categories: [:])]
        var checked = 0
        for role in roles {
            let token = try await service.createToken(name: "as \(role.name)", role: role.name).token
            for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
                for (method, operation) in operations.sorted(by: { $0.key < $1.key }) {
                    guard let needs = operation["x-permission"] as? String else { continue }
                    let parts = needs.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                    let permission = Permission(try #require(PermissionCategory(rawValue: parts[0])), try #require(Access(rawValue: parts[1])))
                    let uri = path.replacingOccurrences(of: "{number}", with: "1001").replacingOccurrences(of: "{name}", with: "x")
                        .replacingOccurrences(of: "{target}", with: "192.0.2.1").replacingOccurrences(of: "{extension}", with: "1001")
                    var head = HTTPRequest(method: HTTPRequest.Method(method.uppercased())!, scheme: "http", authority: "127.0.0.1:8088", path: uri)
                    head.headerFields[.authorization] = "Bearer \(token)"
                    let yaml = path == "/api/v1/config"
                    head.headerFields[.contentType] = yaml ? "application/yaml" : "application/json"
                    let payload = method == "get" || method == "delete" ? [] : Array((yaml ? "extensions: []\n" : "{}").utf8)
                    let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: payload)))
                    let status: Int
                    do {
                        status = Int(try await responder.respond(to: request, context: RolePermissionTests.context()).status.code)
                    } catch let error as AdminError {
                        status = error.kind.status
                    }
                    #expect((status == 403) == !role.allows(permission), "\(role.name) \(method) \(path) -> \(status), needs \(needs)")
                    checked += 1
                }
            }
        }
        #expect(checked > roles.count * 30)
    }

    static func context() -> AdminRequestContext {
        AdminRequestContext(inProcess: Logger(label: "test"))
    }
}
