import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import Model
import SSO

/// `/login` (password, then the second factor), `/logout`, and the one-time login link's landing page. The login
/// itself is the API's: the same lockout, events and session cookies.
extension PortalRoutes {
    func addLogin() {
        let responder = responder
        let pending = PendingLogins()
        router.get("/login") { request, context in
            if context.caller != nil { return Response(status: .seeOther, headers: [.location: "/"]) }
            return try await responder.loginPage(request, context, step: .password)
        }
        router.post("/login") { request, context in
            guard let form = try await PortalRoutes.anonymousForm(request) else { return responder.plain(.badRequest, "The form could not be read.") }
            let session = responder.anonymous(request, context)
            let next = PortalRoutes.safeNext(form["next"])
            var login = LoginRequest(username: form["username"] ?? "", password: form.secret("password") ?? "")
            var ticket = form["ticket"] ?? ""
            if !ticket.isEmpty {
                guard let parked = pending.attempt(ticket) else {
                    return try await responder.loginPage(request, context, step: .password,
                                                         problem: "The sign-in took too long or was tried too often: start again.")
                }
                login = LoginRequest(username: parked.username, password: parked.password)
                let code = form["code"] ?? ""
                if code.count > 8 { login.recoveryCode = code } else { login.code = code }
            }
            do {
                let signedIn = try await session.callSettingCookies(Endpoints.login, body: login)
                if !ticket.isEmpty { pending.finish(ticket) }
                return PortalRoutes.signedIn(signedIn, next: next)
            } catch let error as AdminError where error.kind == .secondFactorRequired || (!ticket.isEmpty && error.kind == .unauthorized) {
                if ticket.isEmpty { ticket = pending.park(username: login.username, password: login.password) }
                let problem = error.kind == .unauthorized ? error.detail : nil
                return try await responder.loginPage(request, context, step: .code(ticket: ticket, username: login.username, detail: error.detail),
                                                     problem: problem, next: next)
            } catch let error as AdminError {
                return try await responder.loginPage(request, context, step: .password, problem: error.detail, next: next,
                                                     status: .init(code: error.kind.status))
            }
        }
        form("/logout", page: PortalPages.me, needs: .signedIn) { session, _, _ in
            _ = try await session.call(Endpoints.logout)
            return .redirect("/login", notice: "Signed out.")
        }
        router.get("/login-link") { request, context in
            let token = request.uri.queryParameters.get("token") ?? ""
            return responder.respond(PortalView("login-link", title: "Sign in with a link", ["token": token]), nil, page: nil, request: request)
        }
        router.post("/login-link") { request, context in
            guard let form = try await PortalRoutes.anonymousForm(request) else { return responder.plain(.badRequest, "The form could not be read.") }
            var redemption = LoginLinkRedemption()
            redemption.token = form["token"] ?? ""
            if let code = form["code"], !code.isEmpty { redemption.code = code }
            do {
                return PortalRoutes.signedIn(try await responder.anonymous(request, context).callSettingCookies(Endpoints.loginWithLink, body: redemption),
                                             next: "/")
            } catch let error as AdminError {
                var view = PortalView("login-link", title: "Sign in with a link", ["token": redemption.token,
                                                                                   "needsCode": error.kind == .secondFactorRequired || redemption.code != nil])
                view = view.failed([FieldProblem(field: nil, message: error.detail)], form: nil, status: .init(code: error.kind.status))
                return responder.respond(view, nil, page: nil, request: request)
            }
        }
    }

    /// A form posted before sign-in: read, bounded, no CSRF token to check (there is no session yet).
    static func anonymousForm(_ request: Request) async throws -> PortalForm? {
        PortalForm(body: String(buffer: try await request.body.collect(upTo: PortalForm.maxBytes)))
    }

    /// Where a login goes on: a path on this server only (never `//elsewhere`).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), next.count < 300 else { return "/" }
        return next
    }

    /// The session's cookies as the API set them, and on to the page asked for (or enrolment when the role needs a
    /// second factor).
    static func signedIn(_ signedIn: (answer: LoginAnswer, cookies: HTTPFields), next: String) -> Response {
        var headers = signedIn.cookies
        headers[.location] = signedIn.answer.mustEnrolSecondFactor ? PortalPages.me.path : next
        return Response(status: .seeOther, headers: headers)
    }
}

/// The login form's two steps.
enum LoginStep {
    case password
    case code(ticket: String, username: String, detail: String)
}

extension PortalResponder {
    func loginPage(_ request: Request, _ context: AdminRequestContext, step: LoginStep, problem: String? = nil, next: String? = nil,
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        var data: [String: Any] = ["next": next ?? PortalRoutes.safeNext(request.uri.queryParameters.get("next").map { String($0) })]
        if let settings = try? await portal.service.oidcSettings(), settings.enabled { data["sso"] = true }
        switch step {
        case .password:
            data["passwordStep"] = true
        case .code(let ticket, let username, let detail):
            data["codeStep"] = ["ticket": ticket, "username": username, "detail": detail]
        }
        var view = PortalView("login", title: "Sign in", data)
        if let problem { view = view.failed([FieldProblem(field: nil, message: problem)], form: nil, status: status == .ok ? .unauthorized : status) }
        return respond(view, nil, page: nil, request: request)
    }
}
