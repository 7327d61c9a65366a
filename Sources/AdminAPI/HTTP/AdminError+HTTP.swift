import Foundation
import Hummingbird

extension AdminError: HTTPResponseError {
    public var status: HTTPResponse.Status { .init(code: kind.status) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(ProblemDetails(self))
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if kind == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
