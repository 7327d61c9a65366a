import Hummingbird
import Model

/// Login, sessions, one's own account, users, roles, tokens, login links, the login defense and mail.
extension AdminRoutes {
    func addAccounts(_ service: AdminService) {
        let cookie: @Sendable (LoginAnswer) -> HTTPFields = { SessionCookies.loginCookies($0) }
        on(Endpoints.login, headers: cookie) { call in try await service.login(call.body, from: call.origin) }
        on(Endpoints.loginWithLink, headers: cookie) { call in try await service.redeemLoginLink(call.body, from: call.origin) }
        on(Endpoints.logout, headers: { _ in SessionCookies.loginCookies(nil) }) { _ in
            try await service.logout()
            return NoBody()
        }
        on(Endpoints.me) { _ in try await service.me() }
        on(Endpoints.changePassword) { call in try await service.changeOwnPassword(call.body) }
        on(Endpoints.startTOTP) { _ in try await service.startTOTPEnrolment() }
        on(Endpoints.confirmTOTP) { call in try await service.confirmTOTP(call.body) }
        on(Endpoints.myCalls) { call in ListResponse(items: try await service.myCalls(try call.query.calls())) }
        on(Endpoints.renewSIPPassword) { call in try await service.renewOwnSIPPassword(call.body, from: call.origin) }
        on(Endpoints.sessions) { call in ListResponse(items: try await service.sessions(all: call.flag("all"))) }
        on(Endpoints.revokeSession) { call in ListResponse(items: try await service.revokeSession(try call.parameter("id"))) }

        on(Endpoints.users) { _ in ListResponse(items: try await service.users()) }
        on(Endpoints.user) { call in try await service.userView(try call.parameter("username")) }
        on(Endpoints.createUser) { call in try await service.createUser(call.body) }
        on(Endpoints.updateUser) { call in try await service.updateUser(try call.parameter("username"), call.body) }
        on(Endpoints.removeUser) { call in ListResponse(items: try await service.removeUser(try call.parameter("username"))) }
        on(Endpoints.resetTwoFactor) { call in try await service.resetTwoFactor(try call.parameter("username")) }
        on(Endpoints.roles) { _ in ListResponse(items: try await service.roles()) }
        on(Endpoints.createRole) { call in ListResponse(items: try await service.createRole(call.body)) }
        on(Endpoints.removeRole) { call in ListResponse(items: try await service.removeRole(try call.parameter("name"))) }
        on(Endpoints.tokens) { _ in ListResponse(items: try await service.tokens()) }
        on(Endpoints.createToken) { call in try await service.createToken(call.body) }
        on(Endpoints.revokeToken) { call in ListResponse(items: try await service.revokeToken(try call.parameter("id"))) }
        on(Endpoints.createLoginLinks) { call in
            ListResponse(items: try await service.createLoginLinks(call.body, host: call.context.remoteAddress == nil ? nil : call.request.head.authority))
        }
        on(Endpoints.loginDefense) { _ in try await service.loginDefense() }
        on(Endpoints.updateLoginDefense) { call in try await service.updateLoginDefense(call.body) }
        on(Endpoints.smtp) { _ in try await service.smtpSettings() }
        on(Endpoints.updateSMTP) { call in try await service.updateSMTP(call.body) }
        on(Endpoints.testSMTP) { call in try await service.testSMTP(call.body) }
        on(Endpoints.oidc) { _ in try await service.oidcSettings() }
        on(Endpoints.updateOIDC) { call in try await service.updateOIDC(call.body) }
        on(Endpoints.ldap) { _ in try await service.ldapSettings() }
        on(Endpoints.updateLDAP) { call in try await service.updateLDAP(call.body) }
        on(Endpoints.startOIDC, alternative: { request, answer in
            guard request.uri.queryParameters.get("format") != "json" else { return nil }
            return Response(status: .found, headers: [.location: answer.authorizationURL])
        }) { _ in try await service.startOIDC() }
        // A browser coming back from the provider lands in the portal, signed in; an API client gets the answer.
        on(Endpoints.finishOIDC, headers: cookie, alternative: { request, answer in
            guard request.headers[.accept]?.contains("text/html") == true else { return nil }
            var headers = SessionCookies.loginCookies(answer)
            headers[.location] = answer.mustEnrolSecondFactor ? "/me" : "/"
            return Response(status: .seeOther, headers: headers)
        }) { call in
            let query = call.request.uri.queryParameters
            guard let code = query.get("code"), let state = query.get("state") else {
                throw AdminError(.invalidInput, "the provider's answer has no code and state: \(query.get("error_description") ?? query.get("error") ?? "")")
            }
            return try await service.finishOIDC(code: code, state: state, from: call.origin)
        }
    }
}

extension AdminCall {
    /// Where a login came from, for the lockout and the session list.
    var origin: AdminService.LoginOrigin {
        AdminService.LoginOrigin(address: context.remoteAddress, userAgent: request.headers[.userAgent] ?? "", port: context.localPort,
                                 scheme: context.scheme)
    }
}
