import Foundation
import Hummingbird
import Model

/// The `/api/v1` group, with every operation registered through its `AdminEndpoint`: bodies are decoded strictly
/// (a wrong field is named in the problem), answers encoded as the endpoint says, and each registration is noted so
/// the OpenAPI document lists exactly what is served.
final class AdminRoutes {
    let router: Router<AdminRequestContext>
    let group: RouterGroup<AdminRequestContext>
    private(set) var described: [EndpointDescription] = []

    init(_ router: Router<AdminRequestContext>) {
        self.router = router
        group = router.group("api/v1")
    }

    /// Registers `handler` for `endpoint`. `status` may answer a success with another status (a degraded health);
    /// `headers` adds response headers (a session cookie); `alternative` may answer in another representation (CSV).
    func on<Body, Answer>(_ endpoint: AdminEndpoint<Body, Answer>, status: (@Sendable (Answer) -> HTTPResponse.Status)? = nil,
                          headers: (@Sendable (Answer) -> HTTPFields)? = nil, alternative: (@Sendable (Request, Answer) -> Response?)? = nil,
                          _ handler: @escaping @Sendable (AdminCall<Body>) async throws -> Answer) {
        described.append(endpoint.description)
        let serve: @Sendable (Request, AdminRequestContext) async throws -> Response = { request, context in
            let requirement = endpoint.permission
            if requirement != .anyone {
                guard let caller = context.caller else {
                    throw context.refusal ?? AdminError(.unauthorized, "sign in, or send a valid API token: Authorization: Bearer pct_...")
                }
                guard caller.meets(requirement) else {
                    if caller.mustEnrol { throw AdminError(.forbidden, "enrol a second factor first (POST /api/v1/me/twofactor/totp)") }
                    throw AdminError(.forbidden, "the role \(caller.role.name) does not allow this (it needs \(requirement))")
                }
            }
            let body = try await AdminRoutes.body(endpoint, request, context)
            let answer = try await AdminCaller.$current.withValue(context.caller) {
                try await handler(AdminCall(request: request, context: context, body: body))
            }
            if let alternative, let response = alternative(request, answer) { return response }
            var response = try AdminRoutes.response(endpoint, answer, status: status?(answer) ?? endpoint.status, context)
            if let headers { response.headers.append(contentsOf: headers(answer)) }
            return response
        }
        if endpoint.path.hasPrefix("/") {
            router.on(RouterPath(endpoint.path), method: endpoint.method, use: serve)
        } else {
            group.on(RouterPath(endpoint.path), method: endpoint.method, use: serve)
        }
    }

    private static func body<Body, Answer>(_ endpoint: AdminEndpoint<Body, Answer>, _ request: Request,
                                           _ context: AdminRequestContext) async throws -> Body {
        switch endpoint.bodyFormat {
        case .none:
            guard let none = NoBody() as? Body else { throw AdminError(.internalError, "endpoint \(endpoint.path) needs a body") }
            return none
        case .text:
            let text = String(buffer: try await request.body.collect(upTo: context.maxUploadSize))
            guard let yaml = text as? Body else { throw AdminError(.internalError, "endpoint \(endpoint.path) takes text") }
            return yaml
        case .json:
            let bytes = try await request.body.collect(upTo: context.maxUploadSize)
            do {
                return try context.requestDecoder.decode(Body.self, from: Data(bytes.readableBytesView))
            } catch let error as DecodingError {
                throw AdminError(.invalidInput, "the body is not valid: \(error.readable)")
            }
        }
    }

    private static func response<Body, Answer>(_ endpoint: AdminEndpoint<Body, Answer>, _ answer: Answer, status: HTTPResponse.Status,
                                               _ context: AdminRequestContext) throws -> Response {
        switch endpoint.answerFormat {
        case .none:
            return Response(status: status)
        case .text(let type):
            let text = answer as? String ?? ""
            return Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
        case .json:
            let data = try context.responseEncoder.encode(answer)
            return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}

/// One request to an endpoint: its decoded body, path parameters, query and caller.
struct AdminCall<Body: Sendable>: Sendable {
    let request: Request
    let context: AdminRequestContext
    let body: Body

    /// A path parameter as the client meant it: percent-decoded (event names have spaces); undecodable is refused.
    func parameter(_ name: String) throws -> String {
        guard let value = try context.parameters.require(name).removingPercentEncoding else {
            throw AdminError(.invalidInput, "\(name): not a valid percent-encoded path segment")
        }
        return value
    }

    var query: QueryParameters { QueryParameters(request.uri.queryParameters.map { (String($0.key), String($0.value)) }) }

    /// `?NAME=true` (or 1, yes).
    func flag(_ name: String) -> Bool {
        request.uri.queryParameters.get(name).map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
    }

    /// Who asked, for events: the user and credential, or the local socket.
    var actor: String { context.caller?.actor ?? "unknown" }

    /// Refuses an extension outside the caller's role scope.
    func requireScope(_ number: String) throws(AdminError) {
        guard let caller = context.caller, caller.role.covers(extension: number) else {
            throw AdminError(.forbidden, "extension \(number.prefix(32)) is outside the role's extension scope")
        }
    }

    /// Whether the caller's role reaches the extension.
    func covers(_ number: String) -> Bool { context.caller?.role.covers(extension: number) ?? false }
}
