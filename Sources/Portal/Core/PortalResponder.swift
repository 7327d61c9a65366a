import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import Model
import Mustache
import NIOCore

/// What every page and form answers with: the session it acts for, the layout with the menu, the 403 and error
/// pages, the login redirect and the one-time notice.
struct PortalResponder: Sendable {
    let portal: Portal

    static let noticeCookie = "portcullis_notice"

    // MARK: Sessions

    /// The signed-in user's session; nil without a caller.
    func session(_ request: Request, _ context: AdminRequestContext, caller: AdminCaller?) -> PortalSession? {
        caller.map { make(request, context, caller: $0) }
    }

    /// The session of nobody: the login pages.
    func anonymous(_ request: Request, _ context: AdminRequestContext) -> PortalSession {
        make(request, context, caller: nil)
    }

    private func make(_ request: Request, _ context: AdminRequestContext, caller: AdminCaller?) -> PortalSession {
        let delegation = AdminDelegation(caller: caller, address: context.remoteAddress, port: context.localPort, scheme: context.scheme,
                                         userAgent: String((request.headers[.userAgent] ?? "").prefix(200)))
        let csrf = caller == nil ? "" : SessionCookies.cookie(SessionCookies.csrf, in: request) ?? ""
        return PortalSession(delegation: delegation, csrfToken: csrf, api: portal.api, service: portal.service)
    }

    // MARK: Responses

    func toLogin(_ request: Request) -> Response {
        let next = request.method == .get ? request.uri.path : "/"
        let query = next == "/" ? "" : "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        return Response(status: .seeOther, headers: [.location: "/login" + query])
    }

    func refused(_ session: PortalSession, _ page: PortalPage) -> Response {
        var view = PortalView("message", title: "Not allowed", ["heading": "Not allowed",
            "message": "The role \(session.caller?.role.name ?? "") does not allow this page (it needs \(page.requirement))."])
        if session.caller?.mustEnrol == true {
            view.data["message"] = "Enrol a second factor first: your role requires one."
            view.data["link"] = ["path": PortalPages.me.path, "title": "Enrol now"]
        }
        view.status = .forbidden
        return respond(view, session, page: page, request: nil)
    }

    func failure(_ error: any Error, _ session: PortalSession, page: PortalPage, request: Request) -> Response {
        guard let error = error as? AdminError else {
            return plain(.internalServerError, "The page could not be shown.")
        }
        if error.kind == .unauthorized { return toLogin(request) }
        if error.kind == .forbidden { return refused(session, page) }
        var view = PortalView("message", title: error.kind.title, ["heading": error.kind.title, "message": error.description])
        view.status = .init(code: error.kind.status)
        return respond(view, session, page: page, request: request)
    }

    /// The page inside the layout.
    func respond(_ view: PortalView, _ session: PortalSession?, page: PortalPage?, request: Request?) -> Response {
        var data = view.data
        data["title"] = view.title
        data["csrf"] = session?.csrfToken ?? ""
        if let session, let caller = session.caller {
            data["user"] = ["name": caller.username ?? "local", "role": caller.role.name]
            data["menu"] = PortalPages.menu(for: session, current: page?.path ?? "")
            data["hasMenu"] = true
        }
        var errors: [String: String] = [:]
        var general: [String] = []
        for problem in view.problems {
            // Every problem is listed above the form (a summary screen readers hear first) and again beside its field.
            general.append(problem.message)
            if let field = problem.field {
                let key = FieldProblem.key(field)
                errors[key] = errors[key].map { $0 + "; " + problem.message } ?? problem.message
            }
        }
        data["errors"] = errors
        data["problems"] = general
        data["values"] = view.values
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        if let request, let notice = SessionCookies.cookie(PortalResponder.noticeCookie, in: request) {
            data["notice"] = notice.removingPercentEncoding ?? ""
            headers[.setCookie] = PortalResponder.noticeCookieHeader("", maxAge: 0)
        }
        guard let html = portal.templates.render(data, withTemplate: view.template) else {
            return plain(.internalServerError, PortalError.missingTemplate(view.template).description)
        }
        return Response(status: view.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func plain(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let html = portal.templates.render(["title": status.reasonPhrase, "heading": status.reasonPhrase, "message": message], withTemplate: "message")
            ?? message
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A notice shown once on the next page (after a redirect): a cookie only this server sets.
    static func noticeCookieHeader(_ text: String, maxAge: Int) -> String {
        let value = String(text.prefix(300)).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return "\(noticeCookie)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; Secure; SameSite=Strict"
    }
}
