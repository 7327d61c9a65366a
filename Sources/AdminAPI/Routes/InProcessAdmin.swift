import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import Synchronization

/// The admin API without a listener: requests go through the same router, middleware and operations as on the
/// Unix socket, answered in this process. The CLI uses it when no server runs on the data directory.
public struct InProcessAdmin: Sendable {
    private let responder: RouterResponder<AdminRequestContext>
    private let logger = Logger(label: "portcullis.cli")

    public init(service: AdminService) {
        responder = AdminRouter.make(service: service, registry: PrometheusCollectorRegistry(), trusted: true).buildResponder()
    }

    /// The status, content type and body of one request.
    public func send(_ method: HTTPRequest.Method, _ uri: String, body: [UInt8]?, contentType: String?) async throws -> (Int, String?, [UInt8]) {
        var head = HTTPRequest(method: method, scheme: "http", authority: "localhost", path: uri)
        if let contentType { head.headerFields[.contentType] = contentType }
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: body ?? [])))
        let response: Response
        do {
            response = try await responder.respond(to: request, context: AdminRequestContext(inProcess: logger))
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: AdminRequestContext(inProcess: logger))
        }
        let collected = CollectedBody()
        try await response.body.write(CollectedBody.Writer(body: collected))
        return (Int(response.status.code), response.headers[.contentType], collected.bytes.withLock { $0 })
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
