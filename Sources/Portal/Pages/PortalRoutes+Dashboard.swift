import AdminAPI
import Foundation
import Hummingbird
import Model

/// `/`: the security dashboard, or the user portal's start for a role without Security: view.
extension PortalRoutes {
    static let dayColor = "#1f4e79"
    static let weekColor = "#8fb3d9"

    func addDashboard() {
        page(PortalPages.dashboard, otherwise: PortalPages.me.path) { session, _, _ in try await PortalRoutes.dashboard(session) }
    }

    static func dashboard(_ session: PortalSession) async throws -> PortalView {
        let summary = try await session.call(Endpoints.securitySummary)
        let series = [SVGBarChart.Series(name: "last 24 hours", color: dayColor), SVGBarChart.Series(name: "last 7 days", color: weekColor)]
        let layers = SVGBarChart(title: "Attacks by defense layer (warnings and alerts)", series: series,
                                 rows: summary.layers.map { .init(label: $0.layer, values: [$0.lastDay, $0.lastWeek]) })
        let blocks = SVGBarChart(title: "Blocks made, by defense", series: series,
                                 rows: summary.blocks.map { .init(label: $0.layer, values: [$0.lastDay, $0.lastWeek]) })
        let countries = SVGBarChart(title: "Blocked sources by country", series: [.init(name: "sources blocked now", color: dayColor)],
                                    rows: summary.countries.map { .init(label: $0.country, values: [$0.blocks]) })
        let current = try await session.optional(Endpoints.blocks, query: [("limit", "10")])?.items ?? []
        let locks = try await session.optional(Endpoints.outboundLocks)?.items ?? []
        let canManage = session.may(Endpoints.unblock.permission)
        return PortalView("dashboard", title: PortalPages.dashboard.title, [
            "summary": [
                "activeBlocks": summary.activeBlocks, "registrations": summary.registrations, "calls": summary.calls,
                "outboundLocks": summary.outboundLocks, "generatedAt": PortalFormat.time(summary.generatedAt),
            ],
            "layersChart": layers.svg, "blocksChart": blocks.svg, "countriesChart": countries.svg,
            "layers": summary.layers.map { ["layer": $0.layer, "day": $0.lastDay, "week": $0.lastWeek] },
            "countries": summary.countries.map { ["country": $0.country, "blocks": $0.blocks] },
            "targeted": summary.targetedAccounts.map { ["account": $0.account, "count": $0.count] },
            "blocks": current.map(PortalRoutes.blockRow),
            "locks": locks.map { ["extension": $0.extension, "reason": $0.reason, "since": PortalFormat.time($0.since)] },
            "alerts": summary.lastAlerts.map(PortalRoutes.eventRow),
            "recommendations": summary.recommendations.map { ["name": $0.name, "followed": $0.followed, "detail": $0.detail] },
            "canManage": canManage,
        ])
    }

    static func blockRow(_ block: NetworkBlockRecord) -> [String: Any] {
        ["id": block.id.map(String.init) ?? "", "source": block.source, "defenseType": block.defenseType, "blockType": block.blockType,
         "range": block.range, "protocol": block.protocol ?? "", "port": block.port.map(String.init) ?? "", "rule": block.rule,
         "attackedAt": PortalFormat.time(block.attackedAt), "expiresAt": PortalFormat.timeOrForever(block.expiresAt),
         "hits": block.hits, "account": block.account ?? "", "note": block.note ?? ""]
    }

    static func eventRow(_ event: EventView) -> [String: Any] {
        ["time": PortalFormat.time(event.time), "name": event.name, "category": event.category, "level": event.level, "read": event.read,
         "fields": event.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
    }
}
