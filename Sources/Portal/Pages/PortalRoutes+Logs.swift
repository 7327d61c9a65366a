import AdminAPI
import Foundation
import Model

/// `/events` and `/cdr` (filters, CSV download), and `/me/calls`, a user's own calls.
extension PortalRoutes {
    static let levels = ["", "information", "warning", "alert"]
    static let categories = ["", "network", "registration", "login", "call", "system"]

    func addLogs() {
        page(PortalPages.events) { session, request, _ in
            let query = request.query
            var filter = PortalRoutes.timeFilter(query) + [("limit", "200")]
            for key in ["category", "level", "name", "status"] { if let value = query[key], !value.isEmpty { filter.append((key, String(value.prefix(100)))) } }
            var view = PortalView("events", title: PortalPages.events.title, [
                "categories": PortalRoutes.categories.map { ["value": $0, "label": $0.isEmpty ? "every type" : $0, "selected": $0 == (query["category"] ?? "")] },
                "levels": PortalRoutes.levels.map { ["value": $0, "label": $0.isEmpty ? "every level" : $0, "selected": $0 == (query["level"] ?? "")] },
                "statuses": ["", "unread", "read"].map { ["value": $0, "label": $0.isEmpty ? "read and unread" : $0, "selected": $0 == (query["status"] ?? "")] },
                "canMark": session.may(Endpoints.markEventsRead.permission),
                "name": query["name"] ?? "", "since": query["since"] ?? "", "until": query["until"] ?? "",
                "download": Endpoints.events.requestURI(query: filter.filter { $0.0 != "limit" } + [("limit", "10000"), ("format", "csv")]),
            ])
            do {
                view.data["events"] = try await session.call(Endpoints.events, query: filter).items.map(PortalRoutes.eventRow)
            } catch let error as AdminError where error.kind == .invalidInput {
                view = view.failed([FieldProblem(field: nil, message: error.detail)], form: nil)
            }
            return view
        }
        form("/events/read", page: PortalPages.events, needs: Endpoints.markEventsRead.permission) { session, _, _ in
            let result = try await session.call(Endpoints.markEventsRead, body: EventMarking(all: true))
            return .redirect(PortalPages.events.path, notice: "\(result.changed) events marked as read.")
        }
        page(PortalPages.callRecords) { session, request, _ in
            try await PortalRoutes.callRecords(session, request.query, endpoint: Endpoints.callRecords, page: PortalPages.callRecords)
        }
        page(PortalPages.myCalls) { session, request, _ in
            try await PortalRoutes.callRecords(session, request.query, endpoint: Endpoints.myCalls, page: PortalPages.myCalls)
        }
    }

    /// `since`/`until` from the form's local date-time fields (taken as UTC) as the API reads them.
    static func timeFilter(_ query: [String: String]) -> [(String, String)] {
        ["since", "until"].compactMap { key in
            guard let value = query[key], !value.isEmpty else { return nil }
            return (key, value.count == 16 ? value + ":00Z" : String(value.prefix(40)))
        }
    }

    static func callRecords(_ session: PortalSession, _ query: [String: String], endpoint: AdminEndpoint<NoBody, ListResponse<CallDetailRecord>>,
                            page: PortalPage) async throws -> PortalView {
        var filter = timeFilter(query) + [("limit", "200")]
        for key in ["party", "disposition"] { if let value = query[key], !value.isEmpty { filter.append((key, String(value.prefix(64)))) } }
        var view = PortalView("cdr", title: page.title, [
            "path": page.path, "party": query["party"] ?? "", "since": query["since"] ?? "", "until": query["until"] ?? "",
            "showParty": endpoint.path == Endpoints.callRecords.path,
            "dispositions": ([""] + CallDisposition.allCases.map(\.rawValue)).map { ["value": $0, "label": $0.isEmpty ? "every outcome" : $0,
                                                                                    "selected": $0 == (query["disposition"] ?? "")] },
            "download": endpoint.requestURI(query: filter.filter { $0.0 != "limit" } + [("limit", "100000"), ("format", "csv")]),
            "canDownload": endpoint.path == Endpoints.callRecords.path,
        ])
        do {
            view.data["calls"] = try await session.call(endpoint, query: filter).items.map { record -> [String: Any] in
                ["start": PortalFormat.time(record.start), "caller": record.caller, "callee": record.callee, "dialed": record.dialed,
                 "duration": record.duration, "disposition": record.disposition.rawValue, "route": record.route ?? "", "trunk": record.trunk ?? "",
                 "reason": record.decisionReason ?? record.cause ?? ""]
            }
        } catch let error as AdminError where error.kind == .invalidInput || error.kind == .conflict {
            view = view.failed([FieldProblem(field: nil, message: error.detail)], form: nil)
        }
        return view
    }
}
