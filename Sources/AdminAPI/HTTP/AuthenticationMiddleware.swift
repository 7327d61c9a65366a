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
    let trustedSocket: Bool
    /// `HTTPS` or `HTTP`, as a login block's row names the protocol.
    let scheme: String

    static let sessionCookie = "portcullis_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let safeMethods: Set<HTTPRequest.Method> = [.get, .head, .options]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.scheme = scheme
        if trustedSocket {
            context.caller = .socket
        } else if let header = request.headers[.authorization] {
            let secret = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
            guard let caller = await service.tokenCaller(secret, address: context.remoteAddress) else {
                if let address = context.remoteAddress {
                    service.logins.tokenFailed(from: address, endpoint: NetworkEndpoint(service: .api, transport: .tcp, port: context.localPort),
                                               scheme: scheme, now: Date())
                }
                throw AdminError(.unauthorized, "the API token is not valid (unknown, expired or revoked): Authorization: Bearer pct_...")
            }
            if let address = context.remoteAddress { service.logins.tokenSucceeded(from: address) }
            context.caller = caller
        } else if let secret = AuthenticationMiddleware.cookie(AuthenticationMiddleware.sessionCookie, in: request),
                  let (caller, csrfHash) = await service.sessionCaller(secret, address: context.remoteAddress) {
            let presented = request.headers[AuthenticationMiddleware.csrfHeader].map(SecretGenerator.sha256Hex) ?? ""
            if AuthenticationMiddleware.safeMethods.contains(request.method) || ConstantTime.equals(Array(presented.utf8), Array(csrfHash.utf8)) {
                context.caller = caller
            } else {
                // Anonymous, then: a login with an old cookie still works; anything that needs the caller is refused.
                context.refusal = AdminError(.forbidden, "a state-changing request needs the X-CSRF-Token header the login answered")
            }
        }
        return try await next(request, context)
    }

    /// The value of cookie `name`, if the request carries it once.
    static func cookie(_ name: String, in request: Request) -> String? {
        let values = request.headers[values: .cookie].flatMap { $0.split(separator: ";") }.compactMap { pair -> String? in
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.count == 2 && parts[0] == name ? parts[1] : nil
        }
        return values.count == 1 ? values[0] : nil
    }

    /// `Set-Cookie` for a session: script cannot read it, it travels over HTTPS only, and other sites' pages cannot
    /// send it. An empty secret with age 0 removes it.
    static func sessionCookieHeader(_ secret: String, maxAge: Int) -> String {
        "\(sessionCookie)=\(secret); Path=/; Max-Age=\(maxAge); HttpOnly; Secure; SameSite=Strict"
    }
}
