import AdminAPI
import Foundation
import Model

/// `/users`, `/roles`, and `/me`: one's own password, second factor (with the QR code), sessions and, for an
/// extension's user, a new SIP password shown once.
extension PortalRoutes {
    func addAccounts() {
        records(PortalPages.users, needs: Endpoints.createUser.permission, build: PortalRoutes.users, actions: [
            "remove": { session, name, _ in
                _ = try await session.call(Endpoints.removeUser, ["username": name])
                return "User \(name) removed."
            },
            "resetTwoFactor": { session, name, _ in
                _ = try await session.call(Endpoints.resetTwoFactor, ["username": name])
                return "Second factors of \(name) removed: they enrol again at their next login."
            },
        ]) { session, form in
            var user = CreateUserRequest()
            user.username = form["username"] ?? ""
            user.role = form["role"] ?? ""
            user.password = form.secret("password") ?? ""
            user.email = form["email"].flatMap { $0.isEmpty ? nil : $0 }
            user.extensionNumber = form["extensionNumber"].flatMap { $0.isEmpty ? nil : $0 }
            let created = user
            return ("User \(user.username) added.", { _ = try await session.call(Endpoints.createUser, body: created) })
        }
        records(PortalPages.roles, needs: Endpoints.createRole.permission, build: PortalRoutes.roles, actions: [
            "remove": { session, name, _ in
                _ = try await session.call(Endpoints.removeRole, ["name": name])
                return "Role \(name) removed."
            },
        ]) { session, form in
            var role = CreateRoleRequest()
            role.name = form["name"] ?? ""
            role.permissions = form.values("permissions")
            role.scope = form["scope"].flatMap { $0.isEmpty ? nil : $0 } ?? "all"
            let created = role
            return ("Role \(role.name) added.", { _ = try await session.call(Endpoints.createRole, body: created) })
        }

        let me = PortalPages.me
        page(me) { session, _, _ in try await PortalRoutes.me(session) }
        form("/me/password", page: me, needs: Endpoints.changePassword.permission) { session, form, _ in
            var change = PasswordChange()
            change.currentPassword = form.secret("currentPassword") ?? ""
            change.newPassword = form.secret("newPassword") ?? ""
            let request = change
            return try await PortalRoutes.attempt(form, fields: ["currentPassword", "newPassword"], redirect: me.path,
                                                  notice: "Password changed; your other sessions have ended.", view: { try await PortalRoutes.me(session) }) {
                _ = try await session.call(Endpoints.changePassword, body: request)
            }
        }
        form("/me/totp", page: me, needs: Endpoints.startTOTP.permission) { session, form, _ in
            var view = try await PortalRoutes.me(session)
            if let code = form["code"] {
                var confirmation = TOTPConfirmation()
                confirmation.code = code
                do {
                    let codes = try await session.call(Endpoints.confirmTOTP, body: confirmation)
                    view = try await PortalRoutes.me(session)
                    view.data["recoveryCodes"] = codes.recoveryCodes
                } catch let error as AdminError where error.kind == .invalidInput || error.kind == .conflict {
                    view = view.failed([FieldProblem(field: "code", message: error.detail)], form: nil)
                }
                return .view(view)
            }
            let enrolment = try await session.call(Endpoints.startTOTP)
            view.data["enrolment"] = ["secret": enrolment.secret, "qr": enrolment.qrSVG]
            return .view(view)
        }
        form("/me/sessions", page: me, needs: Endpoints.revokeSession.permission) { session, form, _ in
            _ = try await session.call(Endpoints.revokeSession, ["id": form["id"] ?? ""])
            return .redirect(me.path, notice: "Session ended.")
        }
        form("/me/sip-password", page: me, needs: Endpoints.renewSIPPassword.permission) { session, form, _ in
            let password = form.secret("password") ?? ""
            var view = try await PortalRoutes.me(session)
            do {
                let credentials = try await session.call(Endpoints.renewSIPPassword, body: Reauthentication(password: password))
                view.data["sip"] = ["extension": credentials.extension, "registrationName": credentials.registrationName, "realm": credentials.realm,
                                    "password": credentials.password]
            } catch let error as AdminError where error.kind == .invalidInput || error.kind == .conflict {
                view = view.failed(FieldProblem.from(error, fields: ["password"]), form: nil)
            }
            return .view(view)
        }
    }

    static func users(_ session: PortalSession) async throws -> RecordsPage {
        let users = try await session.call(Endpoints.users).items
        let roles = try await session.call(Endpoints.roles).items
        let manage = session.may(Endpoints.createUser.permission)
        let path = PortalPages.users.path
        return RecordsPage(
            title: PortalPages.users.title, intro: "People who sign in to the portal or use the API, each with one role.",
            listTitle: "Users", columns: ["Username", "Role", "Extension", "Email", "Second factor", "Source"],
            rows: users.map { user in
                var actions: [RecordsPage.Action] = []
                if manage && user.role != Role.superAdministrator.name {
                    actions = [.init(path: path, label: "Reset 2FA", description: "Remove the second factors of \(user.username)", hidden: [("resetTwoFactor", user.username)],
                                     confirm: "Remove the second factors of \(user.username)?"),
                               removeAction(path, "user", user.username)]
                }
                return .init(cells: [user.username, user.role, user.extension ?? "", user.email ?? "", user.totpEnrolled ? "authenticator app" : "none", user.source],
                             actions: actions)
            },
            form: manage ? .init(title: "Add a user", path: path, submit: "Add user", fields: [
                .init(name: "username", label: "Username", required: true),
                .init(name: "role", label: "Role", kind: .select, options: roles.filter { $0.name != Role.superAdministrator.name }.map { ($0.name, $0.name) }),
                .init(name: "password", label: "Password (the strong-password rules apply)", kind: .password, required: true),
                .init(name: "email", label: "Email (for codes and login links)"),
                .init(name: "extensionNumber", label: "Extension (for an extension's user)"),
            ]) : nil)
    }

    static func roles(_ session: PortalSession) async throws -> RecordsPage {
        let roles = try await session.call(Endpoints.roles).items
        let manage = session.may(Endpoints.createRole.permission)
        let path = PortalPages.roles.path
        let permissions = PermissionCategory.allCases.flatMap { category in
            [("\(category.rawValue):view", "\(category.rawValue): view"), ("\(category.rawValue):manage", "\(category.rawValue): manage")]
        }
        return RecordsPage(
            title: PortalPages.roles.title, intro: "What each role may see and change. Built-in roles are fixed; custom roles are the Super Administrator's to make.",
            listTitle: "Roles", columns: ["Role", "Permissions", "Extensions", "Kind"],
            rows: roles.map { role in
                .init(cells: [role.name, role.permissions.joined(separator: ", "), role.scope, role.builtIn ? "built-in" : "custom"],
                      actions: manage && !role.builtIn ? [removeAction(path, "role", role.name)] : [])
            },
            form: manage ? .init(title: "Add a custom role", path: path, submit: "Add role", fields: [
                .init(name: "name", label: "Name", required: true),
                .init(name: "permissions", label: "Permissions (select several)", kind: .multiselect, options: permissions),
                .init(name: "scope", label: "Extensions it reaches (all, or ranges and numbers: 100-199,250)", value: "all"),
            ]) : nil)
    }

    static func me(_ session: PortalSession) async throws -> PortalView {
        let me = try await session.call(Endpoints.me)
        let sessions = try await session.call(Endpoints.sessions).items
        let user = me.user
        return PortalView("me", title: PortalPages.me.title, [
            "username": me.username ?? "", "role": me.role.name, "mustEnrol": me.mustEnrolSecondFactor,
            "email": user?.email ?? "", "extension": user?.extension ?? "", "hasExtension": user?.extension != nil,
            "totp": user?.totpEnrolled ?? false, "recoveryLeft": user?.recoveryCodesLeft ?? 0,
            "sessions": sessions.map { ["id": $0.id, "address": $0.address, "userAgent": $0.userAgent, "method": $0.method, "current": $0.current,
                                        "createdAt": PortalFormat.time($0.createdAt), "lastSeenAt": PortalFormat.time($0.lastSeenAt)] },
        ])
    }
}
