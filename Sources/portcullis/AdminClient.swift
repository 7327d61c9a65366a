import AdminAPI
import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import SIPAuth
import Storage

/// The CLI's one way to every admin operation: the API, through the running server's owner-only socket, or through
/// the same router in this process when no server runs on the data directory (provisioning before first start), or,
/// for a command typed in the SSH console, through the server's router as the session's user.
struct AdminClient: Sendable {
    private enum Transport: Sendable {
        case socket(HTTPClient, path: String)
        case inProcess(InProcessAdmin)
        case delegated(InProcessAdmin, AdminDelegation)
    }

    private let transport: Transport

    /// The server's operations as `delegation`'s caller (`admin` must be a delegated router).
    static func delegated(_ admin: InProcessAdmin, for delegation: AdminDelegation) -> AdminClient {
        AdminClient(transport: .delegated(admin, delegation))
    }

    /// The running server when its socket answers, else the data directory itself.
    static func connect(_ options: DataDirectoryOptions) async throws -> AdminClient {
        if let running = await running(socketPath: options.socketPath) { return running }
        try options.prepare()
        let store = try await options.openStore()
        let secrets = try await AdminService.secrets(store)
        var service = AdminService(store: store, realm: secrets.realm, live: nil, secrets: try SecretBox.load(orCreateAt: options.secretKeyPath),
                                   setupTokenFile: options.setupTokenPath)
        service.dataDirectory = options.path
        return AdminClient(transport: .inProcess(InProcessAdmin(service: service)))
    }

    /// Nil when no server answers on the socket (absent, or left behind by a server that is gone).
    static func running(socketPath: String) async -> AdminClient? {
        guard FileManager.default.fileExists(atPath: socketPath) else { return nil }
        let candidate = AdminClient(transport: .socket(HTTPClient(eventLoopGroupProvider: .singleton), path: socketPath))
        do {
            _ = try await candidate.send(Endpoints.health)
            return candidate
        } catch {
            await candidate.shutdown()
            return nil
        }
    }

    func send<Answer>(_ endpoint: AdminEndpoint<NoBody, Answer>, _ parameters: [String: String] = [:],
                      query: [(String, String)] = []) async throws -> Answer {
        try await send(endpoint, parameters, query: query, body: NoBody())
    }

    /// Sends `body` to `endpoint`; an answer other than a success becomes the server's `AdminError`.
    func send<Body, Answer>(_ endpoint: AdminEndpoint<Body, Answer>, _ parameters: [String: String] = [:],
                            query: [(String, String)] = [], body: Body) async throws -> Answer {
        let (status, answer) = try await exchange(endpoint.method, endpoint.requestURI(parameters, query: query), body: try endpoint.requestBytes(body),
                                                  contentType: endpoint.bodyFormat.mediaType)
        return try endpoint.answer(status: status, bytes: answer)
    }

    func shutdown() async {
        if case .socket(let client, _) = transport { try? await client.shutdown() }
    }

    private func exchange(_ method: HTTPRequest.Method, _ uri: String, body: [UInt8]?, contentType: String?) async throws -> (Int, [UInt8]) {
        switch transport {
        case .inProcess(let admin):
            let (status, _, bytes) = try await admin.send(method, uri, body: body, contentType: contentType)
            return (status, bytes)
        case .delegated(let admin, let delegation):
            let (status, _, bytes) = try await admin.send(method, uri, body: body, contentType: contentType, for: delegation)
            return (status, bytes)
        case .socket(let client, let path):
            guard let url = URL(httpURLWithSocketPath: path, uri: uri) else { throw AdminError(.internalError, "bad socket path") }
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = HTTPMethod(rawValue: method.rawValue)
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            let response = try await client.execute(request, timeout: .seconds(60))
            return (Int(response.status.code), Array(buffer: try await response.body.collect(upTo: 64 << 20)))
        }
    }
}
