import DefenseRuntime
import Defense
import Foundation
import HTTPTypes
import Hummingbird
import Model
import Storage

/// Finds out who is calling: an API token (`Authorization: Bearer pct_...`) or a session cookie, or, on the owner-only
/// Unix socket, the data directory's owner. A bad token is refused at once and counted (a run of them blocks the
/// source); a session's state-changing request must carry its CSRF token. Whether the caller may use the operation
/// is the route's decision (`AdminEndpoint.permission`). A cookie without its CSRF token leaves the request
/// anonymous, with the reason kept for the route to give.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext

    let service: AdminService
    let access: AdminAccess

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        switch access {
        case .socket:
            context.caller = .socket
            return try await next(request, context)
        case .delegated:
            context.caller = context.delegatedCaller
            return try await next(request, context)
        case .network(_, let scheme):
            context.scheme = scheme
        }
        if let header = request.headers[.authorization] {
            let secret = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
            guard let caller = await service.tokenCaller(secret, address: context.remoteAddress) else {
                if let address = context.remoteAddress {
                    service.logins.tokenFailed(from: address, endpoint: NetworkEndpoint(service: .api, transport: .tcp, port: context.localPort),
                                               scheme: context.scheme, now: Date())
                }
                throw AdminError(.unauthorized, "the API token is not valid (unknown, expired or revoked): Authorization: Bearer pct_...")
            }
            if let address = context.remoteAddress { service.logins.tokenSucceeded(from: address) }
            context.caller = caller
        } else if let secret = SessionCookies.cookie(SessionCookies.session, in: request),
                  let (caller, csrfHash) = await service.sessionCaller(secret, address: context.remoteAddress) {
            if SessionCookies.safeMethods.contains(request.method)
                || SessionCookies.csrfMatches(request.headers[AuthenticationMiddleware.csrfHeader], hash: csrfHash) {
                context.caller = caller
            } else {
                // Anonymous, then: a login with an old cookie still works; anything that needs the caller is refused.
                context.refusal = AdminError(.forbidden, "a state-changing request needs the X-CSRF-Token header the login answered")
                context.sessionCandidate = (caller, csrfHash)
            }
        }
        return try await next(request, context)
    }
}
