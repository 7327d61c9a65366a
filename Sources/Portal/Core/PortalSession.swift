import AdminAPI
import HTTPTypes
import Hummingbird
import Model

/// One browser request as the portal serves it: who is signed in (nil on the login pages), where they connect from,
/// the CSRF token its forms carry, and the operations to call on their behalf.
struct PortalSession: Sendable {
    let delegation: AdminDelegation
    /// The session's CSRF token, from its cookie, for the forms and the script; empty when signed out.
    let csrfToken: String
    let api: InProcessAdmin
    /// For what no operation answers: the caller's country, as the running guard sees it.
    let service: AdminService

    var caller: AdminCaller? { delegation.caller }

    func may(_ requirement: AccessRequirement) -> Bool {
        requirement == .anyone || caller?.meets(requirement) == true
    }

    func call<Body, Answer>(_ endpoint: AdminEndpoint<Body, Answer>, _ parameters: [String: String] = [:], query: [(String, String)] = [],
                            body: Body) async throws -> Answer {
        try await api.call(endpoint, parameters, query: query, body: body, for: delegation)
    }

    func call<Answer>(_ endpoint: AdminEndpoint<NoBody, Answer>, _ parameters: [String: String] = [:],
                      query: [(String, String)] = []) async throws -> Answer {
        try await api.call(endpoint, parameters, query: query, body: NoBody(), for: delegation)
    }

    /// `call`, keeping the `Set-Cookie` fields the API answered (a login's session cookies).
    func callSettingCookies<Body, Answer>(_ endpoint: AdminEndpoint<Body, Answer>, body: Body) async throws -> (answer: Answer, cookies: HTTPFields) {
        let (answer, headers) = try await api.callAnswering(endpoint, body: body, for: delegation)
        var cookies = HTTPFields()
        for field in headers where field.name == .setCookie { cookies.append(field) }
        return (answer, cookies)
    }

    /// Like `call`, but a refusal of the role is an empty answer: a panel the user may not see is left out.
    func optional<Answer>(_ endpoint: AdminEndpoint<NoBody, Answer>, query: [(String, String)] = []) async throws -> Answer? {
        guard may(endpoint.permission) else { return nil }
        return try await call(endpoint, query: query)
    }
}

extension Request {
    /// The query as a dictionary (the first value of each name).
    var query: [String: String] {
        Dictionary(uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first })
    }
}
