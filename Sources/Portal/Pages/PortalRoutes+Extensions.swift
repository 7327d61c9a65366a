import AdminAPI
import Defense
import Foundation
import Hummingbird
import Model

/// `/extensions` (search, pages of 50, add) and `/extensions/{number}` with its tabs: user information,
/// registration security, outbound restrictions, login link.
extension PortalRoutes {
    static let extensionsPerPage = 50
    static let extensionTabs = [("user", "User information"), ("registration", "Registration security"), ("outbound", "Outbound restrictions"),
                                ("link", "Login link")]

    func addExtensions() {
        let list = PortalPages.extensions
        let detail = PortalPages.extensionDetail
        page(list) { session, request, _ in try await PortalRoutes.extensionList(session, request.query) }
        form("/extensions", page: list, needs: Endpoints.createExtension.permission) { session, form, _ in
            var create = CreateExtensionRequest()
            create.number = form["number"] ?? ""
            create.name = form["name"].flatMap { $0.isEmpty ? nil : $0 }
            do {
                let created = try await session.call(Endpoints.createExtension, body: create)
                var view = try await PortalRoutes.extensionList(session, [:])
                view.data["created"] = ["number": created.extension.number, "password": created.password ?? ""]
                return .view(view)
            } catch let error as AdminError where error.kind != .forbidden {
                return .view(try await PortalRoutes.extensionList(session, [:]).failed(FieldProblem.from(error, fields: ["number", "name"]), form: form,
                                                                                      status: .init(code: error.kind.status)))
            }
        }
        page(detail) { session, request, context in
            try await PortalRoutes.extensionDetail(session, number: context.parameters.require("number"), tab: request.query["tab"])
        }
        form("/extensions/:number", page: detail, needs: Endpoints.updateExtension.permission) { session, form, context in
            let number = try context.parameters.require("number")
            let tab = form["tab"] ?? "user"
            if form["remove"] != nil {
                _ = try await session.call(Endpoints.deleteExtension, ["number": number])
                return .redirect(list.path, notice: "Extension \(number) removed.")
            }
            var update: UpdateExtensionRequest
            switch PortalRoutes.extensionUpdate(form, tab: tab) {
            case .success(let value): update = value
            case .failure(let problem):
                return .view(try await PortalRoutes.extensionDetail(session, number: number, tab: tab).failed([problem], form: form))
            }
            do {
                let answer = try await session.call(Endpoints.updateExtension, ["number": number], body: update)
                if let password = answer.password {
                    var view = try await PortalRoutes.extensionDetail(session, number: number, tab: tab)
                    view.data["newPassword"] = password
                    return .view(view)
                }
                return .redirect("\(list.path)/\(number)?tab=\(tab)", notice: "Extension \(number) saved.")
            } catch let error as AdminError where error.kind != .forbidden {
                let view = try await PortalRoutes.extensionDetail(session, number: number, tab: tab)
                return .view(view.failed(FieldProblem.from(error, fields: PortalRoutes.extensionFields), form: form, status: .init(code: error.kind.status)))
            }
        }
        form("/extensions/:number/link", page: detail, needs: Endpoints.createLoginLinks.permission) { session, form, context in
            let number = try context.parameters.require("number")
            var request = LoginLinkRequest()
            request.users = form.values("user")
            request.send = form.flag("send")
            var view = try await PortalRoutes.extensionDetail(session, number: number, tab: "link")
            do {
                let links = try await session.call(Endpoints.createLoginLinks, body: request).items
                view.data["links"] = links.map { ["username": $0.username, "url": $0.url, "qr": $0.qrSVG, "sent": $0.sent,
                                                  "expiresAt": PortalFormat.time($0.expiresAt)] }
                return .view(view)
            } catch let error as AdminError where error.kind != .forbidden {
                return .view(view.failed(FieldProblem.from(error, fields: ["users", "send"]), form: form, status: .init(code: error.kind.status)))
            }
        }
    }

    static let extensionFields: Set<String> = ["name", "registrationName", "password", "userAgentPrefixes", "permittedNetworks", "maxRegistrations",
                                               "outbound", "maxCallDuration", "frequencyRule"]

    /// The change one tab's form asks for; fields of other tabs stay as they are.
    static func extensionUpdate(_ form: PortalForm, tab: String) -> Result<UpdateExtensionRequest, FieldProblem> {
        var update = UpdateExtensionRequest()
        switch tab {
        case "registration":
            update.restrictUserAgents = form.flag("restrictUserAgents")
            update.userAgentPrefixes = form.lines("userAgentPrefixes")
            update.permittedNetworks = form.lines("permittedNetworks")
            update.replaceOldestRegistration = form.flag("replaceOldestRegistration")
            switch form.integer("maxRegistrations") {
            case .success(let value): update.maxRegistrations = value
            case .failure(let problem): return .failure(problem)
            }
        case "outbound":
            var rules = ExtensionCallRules()
            rules.disableOutbound = form.flag("disableOutbound")
            rules.disableOutsideBusinessHours = form.flag("disableOutsideBusinessHours")
            rules.disallowInternational = form.flag("disallowInternational")
            rules.frequencyRule = form["frequencyRule"].flatMap { $0.isEmpty ? nil : $0 }
            switch form.integer("maxCallDuration") {
            case .success(let value): rules.maxCallDuration = value
            case .failure(let problem): return .failure(problem)
            }
            update.outbound = rules
        default:
            update.name = form["name"] ?? ""
            if form.flag("generatePassword") {
                update.generatePassword = true
            } else if let password = form.secret("password"), !password.isEmpty {
                update.password = password
            }
        }
        return .success(update)
    }

    static func extensionList(_ session: PortalSession, _ query: [String: String]) async throws -> PortalView {
        let pageNumber = max(1, Int(query["page"] ?? "") ?? 1)
        let search = String((query["search"] ?? "").prefix(100))
        var filter: [(String, String)] = [("offset", String((pageNumber - 1) * extensionsPerPage)), ("limit", String(extensionsPerPage))]
        if !search.isEmpty { filter.append(("search", search)) }
        let answer = try await session.call(Endpoints.extensions, query: filter)
        let total = answer.total ?? answer.items.count
        let pages = max(1, (total + extensionsPerPage - 1) / extensionsPerPage)
        func link(_ page: Int) -> String {
            "/extensions?page=\(page)" + (search.isEmpty ? "" : "&search=" + (search.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        }
        return PortalView("extensions", title: PortalPages.extensions.title, [
            "extensions": answer.items.map { ["number": $0.number, "name": $0.name ?? "", "registrationName": $0.registrationName,
                                              "registered": $0.registeredContacts, "outboundOff": $0.outbound.disableOutbound] },
            "search": search, "total": total, "page": pageNumber, "pages": pages,
            "previous": pageNumber > 1 ? link(pageNumber - 1) : "", "next": pageNumber < pages ? link(pageNumber + 1) : "",
            "canManage": session.may(Endpoints.createExtension.permission),
        ])
    }

    static func extensionDetail(_ session: PortalSession, number: String, tab: String?) async throws -> PortalView {
        let item = try await session.call(Endpoints.extensionView, ["number": number])
        let current = extensionTabs.map(\.0).contains(tab ?? "") ? tab! : "user"
        var data: [String: Any] = [
            "number": item.number,
            "tabs": extensionTabs.map { ["id": $0.0, "title": $0.1, "current": $0.0 == current, "number": item.number] },
            "tab": current,
            "canManage": session.may(Endpoints.updateExtension.permission),
        ]
        let users = try await session.optional(Endpoints.users)?.items.filter { $0.extension == number } ?? []
        switch current {
        case "registration":
            let devices = try await session.optional(Endpoints.registrations)?.items.filter { $0.extension == number } ?? []
            data["registration"] = [
                "restrictUserAgents": item.restrictUserAgents, "userAgentPrefixes": item.userAgentPrefixes.joined(separator: "\n"),
                "permittedNetworks": item.permittedNetworks.joined(separator: "\n"), "maxRegistrations": item.maxRegistrations,
                "replaceOldestRegistration": item.replaceOldestRegistration,
                "devices": devices.map { ["contact": $0.contact, "source": $0.source, "transport": $0.transport, "userAgent": $0.userAgent ?? "",
                                          "expiresIn": $0.expiresIn] },
            ]
        case "outbound":
            let policy = try? await session.call(Endpoints.outboundPolicy)
            data["outbound"] = [
                "disableOutbound": item.outbound.disableOutbound, "disableOutsideBusinessHours": item.outbound.disableOutsideBusinessHours,
                "disallowInternational": item.outbound.disallowInternational, "maxCallDuration": item.outbound.maxCallDuration.map(String.init) ?? "",
                "frequencyRules": (policy?.frequencyRules.map(\.name) ?? []).map { ["name": $0, "selected": $0 == (item.outbound.frequencyRule ?? "")] },
            ]
        case "link":
            data["link"] = ["users": users.map { ["username": $0.username, "email": $0.email ?? ""] }, "hasUsers": !users.isEmpty]
        default:
            data["user"] = ["name": item.name ?? "", "registrationName": item.registrationName,
                            "users": users.map { ["username": $0.username, "role": $0.role] }]
        }
        return PortalView("extension", title: "Extension \(item.number)", data)
    }
}
