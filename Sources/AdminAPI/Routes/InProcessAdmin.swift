import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import Synchronization

/// The admin API without a listener: requests go through the same router, middleware and operations as on a
/// listener, answered in this process. The CLI uses it (as the socket's owner) when no server runs on the data
/// directory; the portal (delegated) calls every operation through it on behalf of the browser's user.
public struct InProcessAdmin: Sendable {
    private let responder: RouterResponder<AdminRequestContext>
    private let logger = Logger(label: "portcullis.inprocess")

    /// `access`: `.socket` (the CLI) or `.delegated` (the portal).
    public init(service: AdminService, access: AdminAccess = .socket) {
        responder = AdminRouter.make(service: service, registry: PrometheusCollectorRegistry(), access: access).buildResponder()
    }

    /// The status, content type and body of one request.
    public func send(_ method: HTTPRequest.Method, _ uri: String, body: [UInt8]?, contentType: String?,
                     for delegation: AdminDelegation? = nil) async throws -> (Int, String?, [UInt8]) {
        let (status, headers, bytes) = try await exchange(method, uri, body: body, contentType: contentType, for: delegation)
        return (status, headers[.contentType], bytes)
    }

    /// The status, headers and body of one request.
    func exchange(_ method: HTTPRequest.Method, _ uri: String, body: [UInt8]?, contentType: String?,
                  for delegation: AdminDelegation?) async throws -> (Int, HTTPFields, [UInt8]) {
        var head = HTTPRequest(method: method, scheme: "http", authority: "localhost", path: uri)
        if let contentType { head.headerFields[.contentType] = contentType }
        if let delegation { head.headerFields[.userAgent] = delegation.userAgent }
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: body ?? [])))
        let context = AdminRequestContext(inProcess: logger, delegation: delegation)
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        let collected = CollectedBody()
        try await response.body.write(CollectedBody.Writer(body: collected))
        return (Int(response.status.code), response.headers, collected.bytes.withLock { $0 })
    }

    /// One operation, typed: its answer, or the `AdminError` the API would have answered.
    public func call<Body, Answer>(_ endpoint: AdminEndpoint<Body, Answer>, _ parameters: [String: String] = [:], query: [(String, String)] = [],
                                   body: Body, for delegation: AdminDelegation? = nil) async throws -> Answer {
        try await callAnswering(endpoint, parameters, query: query, body: body, for: delegation).answer
    }

    /// `call`, with the headers the API answered too (a login's `Set-Cookie`).
    public func callAnswering<Body, Answer>(_ endpoint: AdminEndpoint<Body, Answer>, _ parameters: [String: String] = [:], query: [(String, String)] = [],
                                            body: Body, for delegation: AdminDelegation? = nil) async throws -> (answer: Answer, headers: HTTPFields) {
        let (status, headers, bytes) = try await exchange(endpoint.method, endpoint.requestURI(parameters, query: query),
                                                          body: try endpoint.requestBytes(body), contentType: endpoint.bodyFormat.mediaType, for: delegation)
        return (try endpoint.answer(status: status, bytes: bytes), headers)
    }
}

/// Gathers a response body written to it.
private final class CollectedBody: Sendable {
    let bytes = Mutex<[UInt8]>([])

    struct Writer: ResponseBodyWriter {
        let body: CollectedBody
        mutating func write(_ buffer: ByteBuffer) async throws { body.bytes.withLock { $0 += buffer.readableBytesView } }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
