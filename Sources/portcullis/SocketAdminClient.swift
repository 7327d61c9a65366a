import AdminAPI
import AsyncHTTPClient
import Defense
import Foundation
import Model
import PBX
import NIOCore
import NIOHTTP1
import Storage

/// Talks to the running server's admin API over the owner-only Unix socket in the data directory.
struct SocketAdminClient: AdminClient {
    private let client: HTTPClient
    private let socketPath: String

    /// Nil when no server answers on the socket (absent, or left behind by a server that is gone).
    static func connect(socketPath: String) async -> SocketAdminClient? {
        guard FileManager.default.fileExists(atPath: socketPath) else { return nil }
        let candidate = SocketAdminClient(client: HTTPClient(eventLoopGroupProvider: .singleton), socketPath: socketPath)
        do {
            _ = try await candidate.send(.GET, "/healthz")
            return candidate
        } catch {
            await candidate.shutdown()
            return nil
        }
    }

    func createExtension(_ request: CreateExtensionRequest) async throws -> ExtensionWithSecret {
        try decode(try await send(.POST, "/api/v1/extensions", json: request))
    }
    func extensions() async throws -> [ExtensionView] { try items(try await send(.GET, "/api/v1/extensions")) }
    func extensionView(_ number: String) async throws -> ExtensionView {
        try decode(try await send(.GET, "/api/v1/extensions/\(number.pathEscaped)"))
    }
    func updateExtension(_ number: String, _ request: UpdateExtensionRequest) async throws -> ExtensionWithSecret {
        try decode(try await send(.PATCH, "/api/v1/extensions/\(number.pathEscaped)", json: request))
    }
    func deleteExtension(_ number: String) async throws { _ = try await send(.DELETE, "/api/v1/extensions/\(number.pathEscaped)") }
    func registrations() async throws -> [RegistrationView] { try items(try await send(.GET, "/api/v1/registrations")) }

    func events(_ parameters: [(String, String)]) async throws -> [EventView] {
        try items(try await send(.GET, path("/api/v1/events", parameters)))
    }

    func callRecords(_ parameters: [(String, String)]) async throws -> [CallDetailRecord] {
        try items(try await send(.GET, path("/api/v1/cdr", parameters)))
    }

    func createToken(name: String) async throws -> CreatedToken {
        try decode(try await send(.POST, "/api/v1/tokens", json: CreateTokenRequest(name: name)))
    }
    func tokens() async throws -> [TokenView] { try items(try await send(.GET, "/api/v1/tokens")) }
    func setup(_ request: SetupRequest) async throws -> CreatedToken { try decode(try await send(.POST, "/api/v1/setup", json: request)) }
    func exportConfiguration(secrets: Bool) async throws -> String {
        String(decoding: try await send(.GET, secrets ? "/api/v1/config?secrets=true" : "/api/v1/config"), as: UTF8.self)
    }

    func applyConfiguration(yaml: String, file: String, force: Bool) async throws -> ConfigApplyResult {
        let uri = path("/api/v1/config", [("file", file)] + (force ? [("force", "true")] : []))
        return try decode(try await send(.PUT, uri, body: Array(yaml.utf8), contentType: "application/yaml"))
    }

    func networkSettings() async throws -> NetworkSettings { try decode(try await send(.GET, "/api/v1/network")) }
    func updateNetworkSettings(_ settings: NetworkSettings, force: Bool) async throws -> NetworkSettings {
        try decode(try await send(.PUT, path("/api/v1/network", force ? [("force", "true")] : []), json: settings))
    }
    func blocks(_ query: NetworkBlockQuery) async throws -> [NetworkBlockRecord] {
        var parameters = [("limit", String(query.limit))]
        if let source = query.source { parameters.append(("source", source)) }
        if let type = query.defenseType { parameters.append(("defenseType", type)) }
        return try items(try await send(.GET, path("/api/v1/network/blocks", parameters)))
    }
    func block(_ request: ManualBlockRequest) async throws -> NetworkBlockRecord {
        try decode(try await send(.POST, "/api/v1/network/blocks", json: request))
    }
    func unblock(_ target: String) async throws -> [NetworkBlockRecord] {
        try items(try await send(.DELETE, "/api/v1/network/blocks/\(target.pathEscaped)"))
    }

    func routing() async throws -> RoutingSettings { try decode(try await send(.GET, "/api/v1/routing")) }
    func addTrunk(_ trunk: TrunkSettings) async throws -> RoutingSettings { try decode(try await send(.POST, "/api/v1/trunks", json: trunk)) }
    func addRoute(_ route: OutboundRoute) async throws -> RoutingSettings { try decode(try await send(.POST, "/api/v1/routes", json: route)) }
    func addInboundRoute(_ route: InboundRoute) async throws -> RoutingSettings {
        try decode(try await send(.POST, "/api/v1/inbound-routes", json: route))
    }
    func outboundPolicy() async throws -> OutboundPolicySettings { try decode(try await send(.GET, "/api/v1/outbound-policy")) }
    func setOutboundPolicy(_ policy: OutboundPolicySettings) async throws -> OutboundPolicySettings {
        try decode(try await send(.PUT, "/api/v1/outbound-policy", json: policy))
    }
    func outboundLocks() async throws -> [OutboundLockView] {
        try items(try await send(.GET, "/api/v1/outbound-locks"))
    }
    func unlockOutbound(_ number: String) async throws -> [OutboundLockView] {
        try items(try await send(.DELETE, "/api/v1/outbound-locks/\(number.pathEscaped)"))
    }
    func removeRouting(_ kind: RoutingKind, named name: String) async throws -> RoutingSettings {
        let collection = switch kind {
        case .trunk: "trunks"
        case .route: "routes"
        case .inboundRoute: "inbound-routes"
        }
        return try decode(try await send(.DELETE, "/api/v1/\(collection)/\(name.pathEscaped)"))
    }

    func registrationDefense() async throws -> RegistrationDefenseSettings { try decode(try await send(.GET, "/api/v1/registration-defense")) }
    func updateRegistrationDefense(_ settings: RegistrationDefenseSettings) async throws -> RegistrationDefenseSettings {
        try decode(try await send(.PUT, "/api/v1/registration-defense", json: settings))
    }

    private func path(_ path: String, _ parameters: [(String, String)]) -> String {
        var components = URLComponents()
        components.path = path
        components.queryItems = parameters.isEmpty ? nil : parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        return components.string ?? path
    }

    func shutdown() async { try? await client.shutdown() }

    private func send(_ method: HTTPMethod, _ uri: String, json: some Encodable) async throws -> [UInt8] {
        try await send(method, uri, body: Array(try JSONEncoder().encode(json)), contentType: "application/json")
    }

    /// Sends one request; a non-2xx answer becomes the server's `AdminError`.
    private func send(_ method: HTTPMethod, _ uri: String, body: [UInt8]? = nil, contentType: String? = nil) async throws -> [UInt8] {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: uri) else { throw AdminError(.internalError, "bad socket path") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = Array(buffer: try await response.body.collect(upTo: 64 << 20))
        guard (200..<300).contains(response.status.code) else {
            if let problem = try? JSONDecoder().decode(ProblemDetails.self, from: Data(bytes)) { throw problem.error }
            throw AdminError(.internalError, "server answered \(response.status.code)")
        }
        return bytes
    }

    private func decode<T: Decodable>(_ bytes: [UInt8]) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(bytes))
    }

    private func items<T: Decodable & Sendable & Encodable>(_ bytes: [UInt8]) throws -> [T] {
        let list: ListResponse<T> = try decode(bytes)
        return list.items
    }
}

extension String {
    fileprivate var pathEscaped: String { addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? self }
}
