import AdminAPI
import Defense
import Foundation
import GeoIP
import Hummingbird
import Model

/// `/security/settings` (allowed countries per service, console access) and `/security/rules` (allowed IPs,
/// blocked IPs, auto-defense rules, static rules, outbound call frequency rules).
extension PortalRoutes {
    /// Blocks listed at once, newest first; the filter finds the others (there may be a million).
    static let blocksShown = 100
    static let ruleTabs = [("allowed", "Allowed IPs"), ("blocked", "Blocked IPs"), ("auto", "Auto defense"), ("static", "Static rules"),
                           ("frequency", "Call frequency")]

    func addSecurity() {
        let settingsPage = PortalPages.securitySettings
        let rulesPage = PortalPages.securityRules
        page(settingsPage) { session, _, context in try await PortalRoutes.securitySettings(session, context) }
        form("/security/settings/countries", page: settingsPage, needs: Endpoints.updateNetworkSettings.permission) { session, form, context in
            var settings = try await session.call(Endpoints.networkSettings)
            guard let service = form["service"].flatMap(NetworkService.init(rawValue:)), service == .sip || service == .api else {
                return .view(try await PortalRoutes.securitySettings(session, context).failed([FieldProblem(field: nil, message: "service: sip or api")], form: form))
            }
            let rule = CountryRule(enabled: form.flag("enabled"), allow: form.values("allow").map { $0.uppercased() })
            if rule.enabled && !form.flag("confirmOwnCountry") {
                let problem = FieldProblem(field: "confirmOwnCountry",
                                           message: "confirm that your own country is in the list: allowed countries refuse every other country, you included")
                return .view(try await PortalRoutes.securitySettings(session, context, typed: (service, rule)).failed([problem], form: form))
            }
            if service == .sip { settings.countries.sip = rule } else { settings.countries.api = rule }
            let changed = settings
            return try await PortalRoutes.attempt(form, fields: ["allow"], redirect: settingsPage.path,
                                                  notice: "Allowed countries for \(service.rawValue): \(rule.enabled ? "on, " + rule.allow.joined(separator: ", ") : "off").",
                                                  view: { try await PortalRoutes.securitySettings(session, context, typed: (service, rule)) }) {
                _ = try await session.call(Endpoints.updateNetworkSettings, body: changed)
            }
        }

        form("/security/settings/ssh", page: settingsPage, needs: Endpoints.changeSSH.permission) { session, form, context in
            var change = SSHChange()
            change.enabled = form.flag("enabled")
            change.listen = form["listen"]
            let requested = change
            return try await PortalRoutes.attempt(form, fields: ["listen"], redirect: settingsPage.path + "#ssh",
                                                  notice: "SSH console \(requested.enabled == true ? "on, at \(requested.listen ?? "")" : "off").",
                                                  view: { try await PortalRoutes.securitySettings(session, context) }) {
                _ = try await session.call(Endpoints.changeSSH, body: requested)
            }
        }
        settingsSection("login", form: PortalRoutes.loginForm, read: Endpoints.loginDefense, write: Endpoints.updateLoginDefense,
                        notice: "Login defense saved.", extra: ["twoFactorRoles"]) { settings, form in
            settings.twoFactorRoles = form.values("twoFactorRoles")
        }
        settingsSection("registration", form: PortalRoutes.registrationForm, read: Endpoints.registrationDefense,
                        write: Endpoints.updateRegistrationDefense, notice: "Registration lockout saved.") { settings, form in
            if let action = form["scannerAction"].flatMap(ScannerPolicy.Action.init(rawValue:)) { settings.scanners.action = action }
        }

        page(rulesPage) { session, request, _ in try await PortalRoutes.securityRules(session, request.query) }
        form("/security/rules/unblock", page: rulesPage, needs: Endpoints.unblock.permission) { session, form, _ in
            let targets = form.values("id")
            guard !targets.isEmpty else { return .redirect("/security/rules?tab=blocked", notice: "Nothing was selected.") }
            var removed = 0
            for target in targets.prefix(1_000) {
                removed += try await session.call(Endpoints.unblock, ["target": target]).items.count
            }
            let back = form["back"] == "/" ? "/" : "/security/rules?tab=blocked"
            return .redirect(back, notice: "Unblocked \(removed) block\(removed == 1 ? "" : "s").")
        }
        form("/security/rules/block", page: rulesPage, needs: Endpoints.block.permission) { session, form, _ in
            var request = ManualBlockRequest()
            request.source = form["source"] ?? ""
            request.note = form["note"].flatMap { $0.isEmpty ? nil : $0 }
            request.service = form["service"].flatMap(NetworkService.init(rawValue:))
            switch form.integer("duration") {
            case .success(let minutes): request.duration = minutes.map { $0 * 60 }
            case .failure(let problem):
                return .view(try await PortalRoutes.securityRules(session, ["tab": "blocked"]).failed([problem], form: form))
            }
            let block = request
            return try await PortalRoutes.attempt(form, fields: ["source", "duration", "note", "service"], redirect: "/security/rules?tab=blocked",
                                                  notice: "Blocked \(block.source).", view: { try await PortalRoutes.securityRules(session, ["tab": "blocked"]) }) {
                _ = try await session.call(Endpoints.block, body: block)
            }
        }
        form("/security/rules/allowed", page: rulesPage, needs: Endpoints.updateNetworkSettings.permission) { session, form, _ in
            try await PortalRoutes.changeNetwork(session, form, tab: "allowed", fields: ["allow"], notice: "Allowed IPs saved.") { settings in
                settings.allow = form.lines("allow")
            }
        }
        form("/security/rules/auto", page: rulesPage, needs: Endpoints.updateNetworkSettings.permission) { session, form, _ in
            try await PortalRoutes.changeNetwork(session, form, tab: "auto", fields: ["autoDefense", "packets", "interval", "blockDuration"],
                                                 notice: "Auto-defense rules saved.") { settings in
                for index in settings.autoDefense.rules.indices {
                    let suffix = ".\(index)"
                    if let packets = form["packets" + suffix].flatMap(Int.init) { settings.autoDefense.rules[index].packets = packets }
                    if let interval = form["interval" + suffix].flatMap(Int.init) { settings.autoDefense.rules[index].interval = interval }
                    if let duration = form["blockDuration" + suffix].flatMap(Int.init) { settings.autoDefense.rules[index].blockDuration = duration }
                    settings.autoDefense.rules[index].enabled = form.flag("enabled" + suffix)
                    settings.autoDefense.rules[index].monitorOnly = form.flag("monitorOnly" + suffix)
                }
            }
        }
        form("/security/rules/static", page: rulesPage, needs: Endpoints.updateNetworkSettings.permission) { session, form, _ in
            try await PortalRoutes.changeNetwork(session, form, tab: "static", fields: ["rules", "name", "sources", "services"],
                                                 notice: "Static rules saved.") { settings in
                if let remove = form["remove"] {
                    settings.rules.removeAll { $0.name == remove }
                } else {
                    let action = form["action"].flatMap(StaticRuleAction.init(rawValue:)) ?? .drop
                    settings.rules.append(StaticRule(name: form["name"] ?? "", action: action, sources: form.lines("sources"),
                                                     services: form.values("services").compactMap(NetworkService.init(rawValue:))))
                }
            }
        }
        form("/security/rules/frequency", page: rulesPage, needs: Endpoints.setOutboundPolicy.permission) { session, form, _ in
            var policy = try await session.call(Endpoints.outboundPolicy)
            if let remove = form["remove"] {
                policy.frequencyRules.removeAll { $0.name == remove }
            } else {
                let calls = Int(form["calls"] ?? "") ?? 0
                let seconds = Int(form["seconds"] ?? "") ?? 0
                let rule = FrequencyRule(name: form["name"] ?? "", limits: [.init(calls: calls, seconds: seconds)], lock: form.flag("lock"))
                policy.frequencyRules.removeAll { $0.name == rule.name }
                policy.frequencyRules.append(rule)
            }
            let changed = policy
            return try await PortalRoutes.attempt(form, fields: ["frequency rule"], redirect: "/security/rules?tab=frequency",
                                                  notice: "Call frequency rules saved.", view: { try await PortalRoutes.securityRules(session, ["tab": "frequency"]) }) {
                _ = try await session.call(Endpoints.setOutboundPolicy, body: changed)
            }
        }
    }

    /// A section of `/security/settings` posted to `/security/settings/NAME`: the settings read, the numbers of `form`
    /// and the fields `change` reads from the post put in, saved whole; refused, the page again with the problems
    /// beside the fields (those of `form` and `extra`).
    private func settingsSection<Settings: Codable & Sendable>(_ name: String, form fields: SettingsForm, read: AdminEndpoint<NoBody, Settings>,
                                                               write: AdminEndpoint<Settings, Settings>, notice: String, extra: [String] = [],
                                                               _ change: @escaping @Sendable (inout Settings, PortalForm) -> Void) {
        let page = PortalPages.securitySettings
        form("/security/settings/\(name)", page: page, needs: write.permission) { session, form, context in
            let view = { try await PortalRoutes.securitySettings(session, context) }
            switch try fields.apply(form, to: try await session.call(read)) {
            case .failure(let problem):
                return .view(try await view().failed([problem], form: form))
            case .success(var settings):
                change(&settings, form)
                let changed = settings
                return try await PortalRoutes.attempt(form, fields: Set(fields.fields.map(\.key) + extra), redirect: "\(page.path)#\(name)",
                                                      notice: notice, view: view) { _ = try await session.call(write, body: changed) }
            }
        }
    }

    /// Reads the network settings, changes them, saves through the API; a refusal shows the tab again with it.
    static func changeNetwork(_ session: PortalSession, _ form: PortalForm, tab: String, fields: Set<String>, notice: String,
                              _ change: (inout NetworkSettings) -> Void) async throws -> PortalOutcome {
        var settings = try await session.call(Endpoints.networkSettings)
        change(&settings)
        let changed = settings
        return try await attempt(form, fields: fields, redirect: "/security/rules?tab=\(tab)", notice: notice,
                                 view: { try await securityRules(session, ["tab": tab]) }) {
            _ = try await session.call(Endpoints.updateNetworkSettings, body: changed)
        }
    }

    static let loginForm = SettingsForm([
        ("failuresBeforeRefusal", "Failed logins from an address before it is refused"), ("failuresBeforeBlock", "… before it is blocked"),
        ("window", "Counted over (seconds)"), ("refusalDuration", "Refused for (seconds)"), ("blockDuration", "First block lasts (seconds)"),
        ("failuresPerAccount", "Failures against one account, from anywhere, before it is locked"), ("accountWindow", "Counted over (seconds)"),
        ("accountLockDuration", "Account locked for (seconds)"), ("tokenFailuresBeforeBlock", "Bad API tokens in a row before the address is blocked"),
        ("sessionIdleMinutes", "A session ends after idle (minutes)"), ("sessionLifetimeHours", "A session lasts at most (hours)"),
        ("loginLinkHours", "A login link works for (hours)"),
    ])

    static let registrationForm = SettingsForm([
        ("lockout.failuresPerSource", "Failed registrations from an address before it is blocked"),
        ("lockout.failuresPerTrustedPair", "… from an address that registered that extension before"), ("lockout.window", "Counted over (seconds)"),
        ("lockout.failuresPerAccount", "Failures against one extension, from anywhere, before it is locked"),
        ("lockout.accountWindow", "Counted over (seconds)"), ("lockout.accountLockDuration", "Extension locked for (seconds)"),
        ("lockout.blockDuration", "First block lasts (seconds)"),
    ])

    /// `typed`: a service's rule as the refused form had it, shown instead of the stored one so nothing chosen is lost.
    static func securitySettings(_ session: PortalSession, _ context: AdminRequestContext,
                                 typed: (NetworkService, CountryRule)? = nil) async throws -> PortalView {
        var settings = try await session.call(Endpoints.networkSettings)
        if let (service, rule) = typed {
            if service == .sip { settings.countries.sip = rule } else { settings.countries.api = rule }
        }
        let address = context.remoteAddress
        let own = await address.asyncMap { await session.service.country(of: $0) } ?? nil
        let names = CallingCodes.bundled.nameByRegion
        func service(_ name: String, _ title: String, _ rule: CountryRule) -> [String: Any] {
            let allowed = Set(rule.allow)
            return ["service": name, "title": title, "enabled": rule.enabled,
                    "countries": names.keys.sorted().map { ["code": $0, "name": names[$0] ?? $0, "checked": allowed.contains($0)] }]
        }
        let login = try await session.optional(Endpoints.loginDefense)
        let registration = try await session.optional(Endpoints.registrationDefense)
        let roles = try await session.optional(Endpoints.roles)?.items.map(\.name) ?? []
        var data: [String: Any] = [
            "services": [service("sip", "SIP (phones and trunks)", settings.countries.sip), service("api", "Web portal and API", settings.countries.api)],
            "address": address?.description ?? "unknown", "exempt": settings.countries.exempt.joined(separator: ", "),
            "canManage": session.may(Endpoints.updateNetworkSettings.permission),
        ]
        if let own { data["ownCountry"] = own }
        if let login {
            data["login"] = ["fields": try loginForm.data(login), "canManage": session.may(Endpoints.updateLoginDefense.permission),
                                 "roles": roles.map { ["name": $0, "checked": login.twoFactorRoles.contains($0)] }]
        }
        if let ssh = try await session.optional(Endpoints.ssh) {
            data["ssh"] = ["enabled": ssh.enabled, "listen": ssh.listen, "listening": ssh.listening ?? "", "fingerprint": ssh.hostKeyFingerprint ?? "",
                           "connections": ssh.openConnections, "keys": ssh.keys, "canManage": session.may(Endpoints.changeSSH.permission)]
        }
        if let registration {
            data["registration"] = ["fields": try registrationForm.data(registration), "canManage": session.may(Endpoints.updateRegistrationDefense.permission),
                                        "actions": ScannerPolicy.Action.allCases.map { ["value": $0.rawValue, "selected": $0 == registration.scanners.action] }]
        }
        return PortalView("security-settings", title: PortalPages.securitySettings.title, data)
    }

    static func securityRules(_ session: PortalSession, _ query: [String: String]) async throws -> PortalView {
        let tab = ruleTabs.map(\.0).contains(query["tab"] ?? "") ? query["tab"]! : "blocked"
        var data: [String: Any] = [
            "tabs": ruleTabs.map { ["id": $0.0, "title": $0.1, "current": $0.0 == tab] },
            "canManage": session.may(Endpoints.updateNetworkSettings.permission),
        ]
        let settings = try await session.call(Endpoints.networkSettings)
        switch tab {
        case "allowed":
            data["allowed"] = ["list": settings.allow.joined(separator: "\n")]
        case "auto":
            data["auto"] = ["rules": settings.autoDefense.rules.enumerated().map { index, rule -> [String: Any] in
                ["index": index, "name": rule.name, "service": rule.service?.rawValue ?? rule.ports ?? "", "protocol": rule.protocol.rawValue,
                 "packets": rule.packets, "interval": rule.interval, "blockDuration": rule.blockDuration, "enabled": rule.enabled,
                 "monitorOnly": rule.monitorOnly]
            }]
        case "static":
            data["static"] = ["rules": settings.rules.map { ["name": $0.name, "action": $0.action.rawValue,
                                                             "sources": $0.sources.isEmpty ? "every source" : $0.sources.joined(separator: ", "),
                                                             "services": $0.services.isEmpty ? "every service" : $0.services.map(\.rawValue).joined(separator: ", ")] }]
        case "frequency":
            let policy = try await session.call(Endpoints.outboundPolicy)
            data["frequency"] = ["rules": policy.frequencyRules.map { rule -> [String: Any] in
                ["name": rule.name, "lock": rule.lock,
                 "limits": rule.limits.map { "\($0.calls) calls in \($0.seconds.map { "\($0) s" } ?? $0.minutes.map { "\($0) min" } ?? "?")" }.joined(separator: "; ")]
            }]
        default:
            let source = query["source"].flatMap { $0.isEmpty ? nil : String($0.prefix(64)) }
            let type = query["defenseType"].flatMap { $0.isEmpty ? nil : String($0.prefix(64)) }
            var filter: [(String, String)] = [("limit", String(PortalRoutes.blocksShown))]
            if let source { filter.append(("source", source)) }
            if let type { filter.append(("defenseType", type)) }
            let blocks = try await session.call(Endpoints.blocks, query: filter).items
            data["blocked"] = ["blocks": blocks.map(PortalRoutes.blockRow), "source": source ?? "", "count": blocks.count, "shown": PortalRoutes.blocksShown,
                               "types": ["", "auto defense", "extension registration", "Web Login", "API Authentication", "manual"].map {
                                   ["value": $0, "label": $0.isEmpty ? "every defense" : $0, "selected": $0 == (type ?? "")]
                               }]
        }
        return PortalView("security-rules", title: PortalPages.securityRules.title, data)
    }
}
