import AdminAPI
import Defense
import Foundation
import Model
import PBX

/// `/trunks`, `/routes/outbound` (order by buttons), `/routes/inbound`.
extension PortalRoutes {
    func addRouting() {
        records(PortalPages.trunks, needs: Endpoints.addTrunk.permission, build: PortalRoutes.trunks, actions: [
            "remove": { session, name, _ in
                _ = try await session.call(Endpoints.removeTrunk, ["name": name])
                return "Trunk \(name) removed."
            },
        ]) { session, form in
            let password = form.secret("password") ?? ""
            let trunk = TrunkSettings(name: form["name"] ?? "", host: form["host"] ?? "", username: form["username"].flatMap { $0.isEmpty ? nil : $0 },
                                      password: password.isEmpty ? nil : password, maxCalls: form["maxCalls"].flatMap { Int($0) })
            return ("Trunk \(trunk.name) added.", { _ = try await session.call(Endpoints.addTrunk, body: trunk) })
        }
        records(PortalPages.outboundRoutes, needs: Endpoints.addRoute.permission, build: PortalRoutes.outboundRoutes, actions: [
            "remove": { session, name, _ in
                _ = try await session.call(Endpoints.removeRoute, ["name": name])
                return "Route \(name) removed."
            },
            "move": { session, name, form in
                let position = Int(form["position"] ?? "") ?? -1
                _ = try await session.call(Endpoints.moveRoute, ["name": name], body: RouteMove(position: position))
                return "Route \(name) is now number \(position + 1)."
            },
        ]) { session, form in
            let pin = form["pin"] ?? ""
            let route = OutboundRoute(name: form["name"] ?? "",
                                      patterns: form.lines("patterns").map { RoutePattern(pattern: $0, strip: Int(form["strip"] ?? "") ?? 0, prepend: form["prepend"] ?? "") },
                                      trunks: form.values("trunks"), extensions: form.lines("extensions"),
                                      hours: form["hours"].flatMap { $0.isEmpty ? nil : $0 },
                                      pin: pin.isEmpty ? RoutePIN() : RoutePIN(mode: .single, pin: pin))
            return ("Route \(route.name) added.", { _ = try await session.call(Endpoints.addRoute, body: route) })
        }
        records(PortalPages.inboundRoutes, needs: Endpoints.addInboundRoute.permission, build: PortalRoutes.inboundRoutes, actions: [
            "remove": { session, name, _ in
                _ = try await session.call(Endpoints.removeInboundRoute, ["name": name])
                return "Inbound route \(name) removed."
            },
        ]) { session, form in
            let route = InboundRoute(name: form["name"] ?? "", did: form["did"] ?? "", extension: form["extension"] ?? "")
            return ("Inbound route \(route.name) added.", { _ = try await session.call(Endpoints.addInboundRoute, body: route) })
        }
    }

    static func removeAction(_ path: String, _ what: String, _ name: String) -> RecordsPage.Action {
        RecordsPage.Action(path: path, label: "Remove", description: "Remove \(what) \(name)", hidden: [("remove", name)],
                           confirm: "Remove \(what) \(name)?", danger: true)
    }

    static func trunks(_ session: PortalSession) async throws -> RecordsPage {
        let routing = try await session.call(Endpoints.routing)
        let manage = session.may(Endpoints.addTrunk.permission)
        return RecordsPage(
            title: PortalPages.trunks.title, intro: "Providers' SIP trunks. Calls from a trunk's address skip the challenge but reach only inbound routes.",
            listTitle: "Trunks", columns: ["Name", "Host", "Registers as", "Calls at once", "Status"],
            rows: routing.trunks.map { trunk in
                .init(cells: [trunk.name, trunk.host, trunk.username ?? "no registration", trunk.maxCalls.map(String.init) ?? "unlimited",
                              trunk.status ?? ""], actions: manage ? [removeAction(PortalPages.trunks.path, "trunk", trunk.name)] : [])
            }, empty: "No trunk.",
            form: manage ? .init(title: "Add a trunk", path: PortalPages.trunks.path, submit: "Add trunk", fields: [
                .init(name: "name", label: "Name", required: true), .init(name: "host", label: "Host (name or address, :port optional)", required: true),
                .init(name: "username", label: "Username (to register with the provider)"), .init(name: "password", label: "Password", kind: .password),
                .init(name: "maxCalls", label: "Calls at once (empty: unlimited)", kind: .number),
            ]) : nil)
    }

    static func outboundRoutes(_ session: PortalSession) async throws -> RecordsPage {
        let routing = try await session.call(Endpoints.routing)
        let policy = try? await session.call(Endpoints.outboundPolicy)
        let manage = session.may(Endpoints.addRoute.permission)
        let path = PortalPages.outboundRoutes.path
        return RecordsPage(
            title: PortalPages.outboundRoutes.title, intro: "Tried in order: the first route whose pattern matches and that permits the caller decides.",
            listTitle: "Outbound routes", columns: ["#", "Name", "Patterns", "Trunks", "Extensions", "Time condition", "PIN"],
            rows: routing.routes.enumerated().map { index, route in
                var actions: [RecordsPage.Action] = []
                if manage {
                    if index > 0 {
                        actions.append(.init(path: path, label: "Up", description: "Move \(route.name) up", hidden: [("move", route.name), ("position", String(index - 1))]))
                    }
                    if index < routing.routes.count - 1 {
                        actions.append(.init(path: path, label: "Down", description: "Move \(route.name) down", hidden: [("move", route.name), ("position", String(index + 1))]))
                    }
                    actions.append(removeAction(path, "route", route.name))
                }
                return .init(cells: [String(index + 1), route.name,
                                     route.patterns.map { "\($0.pattern)" + ($0.strip > 0 ? " -\($0.strip)" : "") + ($0.prepend.isEmpty ? "" : " +\($0.prepend)") }.joined(separator: ", "),
                                     route.trunks.joined(separator: ", "), route.extensions.isEmpty && route.groups.isEmpty ? "every extension" : (route.extensions + route.groups).joined(separator: ", "),
                                     route.hours ?? "always", route.pin.mode.rawValue], actions: actions)
            }, empty: "No outbound route: no call can go out.",
            form: manage ? .init(title: "Add an outbound route", path: path, submit: "Add route", fields: [
                .init(name: "name", label: "Name", required: true),
                .init(name: "patterns", label: "Dial patterns (one per line: X 0-9, Z 1-9, N 2-9, [1-5], trailing . or !)", kind: .textarea),
                .init(name: "strip", label: "Digits to strip", kind: .number), .init(name: "prepend", label: "Digits to prepend"),
                .init(name: "trunks", label: "Trunks, in failover order", kind: .multiselect, options: routing.trunks.map { ($0.name, $0.name) }),
                .init(name: "extensions", label: "Extensions allowed (one per line; empty: every extension)", kind: .textarea),
                .init(name: "hours", label: "Time condition", kind: .select,
                      options: [("", "always")] + (policy?.timeConditions.map { ($0.name, $0.name) } ?? [])),
                .init(name: "pin", label: "PIN callers key first (3-15 digits; empty: none)", kind: .password),
            ]) : nil)
    }

    static func inboundRoutes(_ session: PortalSession) async throws -> RecordsPage {
        let routing = try await session.call(Endpoints.routing)
        let manage = session.may(Endpoints.addInboundRoute.permission)
        return RecordsPage(
            title: PortalPages.inboundRoutes.title, intro: "Calls from trunks, by the number dialed (DID), to an extension.",
            listTitle: "Inbound routes", columns: ["Name", "DID", "Extension"],
            rows: routing.inboundRoutes.map { route in
                .init(cells: [route.name, route.did, route.extension], actions: manage ? [removeAction(PortalPages.inboundRoutes.path, "inbound route", route.name)] : [])
            }, empty: "No inbound route.",
            form: manage ? .init(title: "Add an inbound route", path: PortalPages.inboundRoutes.path, submit: "Add inbound route", fields: [
                .init(name: "name", label: "Name", required: true), .init(name: "did", label: "DID (the number dialed)", required: true),
                .init(name: "extension", label: "Extension", required: true),
            ]) : nil)
    }
}

extension RecordsPage {
    /// The add form's field names, for placing the API's problems.
    var fieldNames: Set<String> { Set(form?.fields.map(\.name) ?? []) }
}
