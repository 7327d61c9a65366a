import Foundation
import Hummingbird
import Model
import Storage

/// Lets a request through only with a valid API token (`Authorization: Bearer pct_...`), except the health check
/// and the one-time setup. On the owner-only Unix socket, the file permissions are the authentication.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext

    let service: AdminService
    let trustedSocket: Bool

    static let openPaths: Set<String> = ["/healthz", "/api/v1/setup"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if trustedSocket {
            context.caller = "local socket"
            context.role = .superAdministrator
        } else if !AuthenticationMiddleware.openPaths.contains(request.uri.path) {
            guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
                  let owner = await service.tokenOwner(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
            else { throw AdminError(.unauthorized, "a valid API token is required: Authorization: Bearer pct_...") }
            context.caller = owner.name
            // A role that is no longer known allows nothing.
            context.role = Role.builtIn(named: owner.role) ?? Role(name: owner.role, categories: [:])
        }
        return try await next(request, context)
    }
}
