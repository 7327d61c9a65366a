import AdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Model
import Mustache
import NIOCore

/// Registers the portal's pages and forms on the admin router, with what every page shares: the sign-in check, the
/// role check (403), the CSRF check of every form, the layout and menu, notices after a change, and errors shown
/// as pages (never a stack trace, never JSON in the browser).
struct PortalRoutes {
    let router: Router<AdminRequestContext>
    let responder: PortalResponder

    init(portal: Portal, router: Router<AdminRequestContext>) {
        self.router = router
        responder = PortalResponder(portal: portal)
    }

    // MARK: Registration

    /// A page: signed in, allowed by the role, rendered in the layout. A role that may not see it gets 403, or is sent
    /// to `otherwise` when given (the start page of a user without the dashboard).
    func page(_ page: PortalPage, otherwise: String? = nil,
              _ render: @escaping @Sendable (PortalSession, Request, AdminRequestContext) async throws -> PortalView) {
        let responder = responder
        router.get(RouterPath(page.path)) { request, context in
            guard let session = responder.session(request, context, caller: context.caller) else { return responder.toLogin(request) }
            guard session.may(page.requirement) else {
                return otherwise.map { Response(status: .seeOther, headers: [.location: $0]) } ?? responder.refused(session, page)
            }
            do {
                return responder.respond(try await render(session, request, context), session, page: page, request: request)
            } catch {
                return responder.failure(error, session, page: page, request: request)
            }
        }
    }

    /// A form: the session's CSRF token in the body, the requirement met, then the handler; a refused change
    /// shows the form again with the API's problems beside its fields.
    func form(_ path: String, page: PortalPage, needs requirement: AccessRequirement,
              _ handle: @escaping @Sendable (PortalSession, PortalForm, AdminRequestContext) async throws -> PortalOutcome) {
        let responder = responder
        router.post(RouterPath(path)) { request, context in
            let body = try await request.body.collect(upTo: PortalForm.maxBytes)
            guard let form = PortalForm(body: String(buffer: body)) else {
                return responder.plain(.badRequest, "The form could not be read (too large or badly encoded).")
            }
            let caller: AdminCaller?
            if let authenticated = context.caller {
                caller = authenticated  // a script's post with the X-CSRF-Token header, or an API token
            } else if let candidate = context.sessionCandidate,
                      SessionCookies.csrfMatches(form[PortalForm.csrfField], hash: candidate.csrfHash) {
                caller = candidate.caller
            } else if context.sessionCandidate != nil || context.refusal != nil {
                return responder.plain(.forbidden, "The form was refused: it did not carry this session's security token (CSRF). Reload the page and try again.")
            } else {
                caller = nil
            }
            guard let session = responder.session(request, context, caller: caller) else { return responder.toLogin(request) }
            guard session.may(requirement) else { return responder.refused(session, page) }
            do {
                switch try await handle(session, form, context) {
                case .redirect(let location, let notice):
                    var headers: HTTPFields = [.location: location]
                    if let notice { headers[.setCookie] = PortalResponder.noticeCookieHeader(notice, maxAge: 60) }
                    return Response(status: .seeOther, headers: headers)
                case .view(let view):
                    return responder.respond(view, session, page: page, request: request)
                }
            } catch {
                return responder.failure(error, session, page: page, request: request)
            }
        }
    }

    /// Runs a change through the API: on success back to `redirect` with `notice`; refused, the page again (from
    /// `view`) with the API's problems beside `fields` and what was typed. A role refusal stays a 403 page.
    static func attempt(_ form: PortalForm, fields: Set<String>, redirect: String, notice: String,
                        view: () async throws -> PortalView, _ change: () async throws -> Void) async throws -> PortalOutcome {
        do {
            try await change()
            return .redirect(redirect, notice: notice)
        } catch let error as AdminError where error.kind != .forbidden && error.kind != .unauthorized {
            return .view(try await view().failed(FieldProblem.from(error, fields: fields), form: form, status: .init(code: error.kind.status)))
        }
    }

    /// A records page (`RecordsPage`): GET shows it; a POST naming one of `actions` (a row's button: `remove`,
    /// `move`...) runs it and returns with its notice; any other POST is the add form, refused with the API's problems
    /// beside its fields. `add` reads the form and answers the notice and the change to make.
    func records(_ page: PortalPage, needs requirement: AccessRequirement, build: @escaping @Sendable (PortalSession) async throws -> RecordsPage,
                 actions: [String: @Sendable (PortalSession, String, PortalForm) async throws -> String] = [:],
                 add: @escaping @Sendable (PortalSession, PortalForm) throws -> (notice: String, change: @Sendable () async throws -> Void)) {
        self.page(page) { session, _, _ in try await build(session).view }
        form(page.path, page: page, needs: requirement) { session, form, _ in
            for (field, action) in actions.sorted(by: { $0.key < $1.key }) {
                if let value = form[field] { return .redirect(page.path, notice: try await action(session, value, form)) }
            }
            let records = try await build(session)
            let (notice, change) = try add(session, form)
            return try await PortalRoutes.attempt(form, fields: records.fieldNames, redirect: page.path, notice: notice, view: { records.view }, change)
        }
    }

    // MARK: Assets

    func addAssets() {
        let responder = responder
        router.get("/assets/:name") { _, context in
            guard let name = context.parameters.get("name"), let response = responder.portal.assets.response(name) else {
                return responder.plain(.notFound, "No such file.")
            }
            return response
        }
    }
}
