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

/// Every built-in role, a custom role and a role that no longer exists against every operation of the API, through
/// the TCP listener's router with a token of a user of that role: refused with 403 exactly when the role does not
/// meet what the OpenAPI document says the operation needs.
@Suite("Roles and permissions")
struct RolePermissionTests {
    @Test func eachRoleIsAllowedExactlyWhatItsPermissionsSay() async throws {
        let service = try TestService.make()
        let responder = AdminRouter.make(service: service, registry: PrometheusCollectorRegistry(), access: .network(hosts: [], scheme: "HTTP")).buildResponder()
        let (_, _, body) = try await InProcessAdmin(service: service).send(.get, "/api/v1/openapi.json", body: nil, contentType: nil)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        _ = try await service.createRole(CreateRoleRequest(name: "Night Desk", permissions: ["Security:view", "Extensions and Trunks:manage"],
                                                           scope: "100-199"))
        let custom = try await service.role(named: "Night Desk")
        let roles = Role.builtIns + [custom, Role.nothing(named: "Removed Role")]
        var checked = 0
        for (index, role) in roles.enumerated() {
            try await service.store.createAdminUser(AdminUserRecord(username: "user\(index)", passwordHash: "", role: role.name, createdAt: Date()))
            let token = try await service.createToken(CreateTokenRequest(name: "as \(role.name)", user: "user\(index)")).token
            for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
                for (method, operation) in operations.sorted(by: { $0.key < $1.key }) {
                    guard let needs = operation["x-permission"] as? String else { continue }
                    let requirement = try #require(AccessRequirement(needs))
                    let uri = path.replacingOccurrences(of: "{number}", with: "150").replacingOccurrences(of: "{name}", with: "x")
                        .replacingOccurrences(of: "{target}", with: "192.0.2.1").replacingOccurrences(of: "{extension}", with: "150")
                        .replacingOccurrences(of: "{username}", with: "nobody").replacingOccurrences(of: "{id}", with: "none")
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
                    #expect((status == 403) == !role.meets(requirement), "\(role.name) \(method) \(path) -> \(status), needs \(needs)")
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
