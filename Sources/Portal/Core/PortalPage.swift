import AdminAPI
import Model

/// A page at a stable path, with what the user's role must allow to see it: the requirement of the operation it
/// shows, so the menu and the 403 follow the API's own permissions.
struct PortalPage: Sendable {
    let path: String
    let title: String
    let section: String
    let requirement: AccessRequirement
    /// Listed in the menu (detail pages are reached from their list).
    let inMenu: Bool

    init(_ path: String, _ title: String, section: String, needs requirement: AccessRequirement, inMenu: Bool = true) {
        self.path = path
        self.title = title
        self.section = section
        self.requirement = requirement
        self.inMenu = inMenu
    }
}

/// Every page, in menu order.
enum PortalPages {
    static let dashboard = PortalPage("/", "Security dashboard", section: "Overview", needs: Endpoints.securitySummary.permission)
    static let securitySettings = PortalPage("/security/settings", "Security settings", section: "Security", needs: Endpoints.networkSettings.permission)
    static let securityRules = PortalPage("/security/rules", "Security rules", section: "Security", needs: Endpoints.blocks.permission)
    static let extensions = PortalPage("/extensions", "Extensions", section: "Extensions and trunks", needs: Endpoints.extensions.permission)
    static let extensionDetail = PortalPage("/extensions/:number", "Extension", section: "Extensions and trunks", needs: Endpoints.extensionView.permission, inMenu: false)
    static let trunks = PortalPage("/trunks", "Trunks", section: "Extensions and trunks", needs: Endpoints.trunks.permission)
    static let outboundRoutes = PortalPage("/routes/outbound", "Outbound routes", section: "Call control", needs: Endpoints.routes.permission)
    static let inboundRoutes = PortalPage("/routes/inbound", "Inbound routes", section: "Call control", needs: Endpoints.inboundRoutes.permission)
    static let businessHours = PortalPage("/call-control/business-hours", "Business hours", section: "Call control", needs: Endpoints.outboundPolicy.permission)
    static let holidays = PortalPage("/call-control/holidays", "Holidays", section: "Call control", needs: Endpoints.outboundPolicy.permission)
    static let outboundCountries = PortalPage("/outbound/countries", "Allowed country codes", section: "Outbound calls", needs: Endpoints.outboundPolicy.permission)
    static let outboundNumbers = PortalPage("/outbound/numbers", "Blocked and allowed numbers", section: "Outbound calls", needs: Endpoints.outboundPolicy.permission)
    static let outboundPINs = PortalPage("/outbound/pins", "PINs", section: "Outbound calls", needs: Endpoints.routes.permission)
    static let outboundLocks = PortalPage("/outbound/locks", "Locked extensions", section: "Outbound calls", needs: Endpoints.outboundLocks.permission)
    static let events = PortalPage("/events", "Event log", section: "Logs", needs: Endpoints.events.permission)
    static let callRecords = PortalPage("/cdr", "Call records", section: "Logs", needs: Endpoints.callRecords.permission)
    static let notifications = PortalPage("/notifications", "Notifications", section: "System", needs: Endpoints.notifications.permission)
    static let eventCatalogue = PortalPage("/notifications/events", "Event catalogue", section: "System", needs: Endpoints.eventCatalogue.permission)
    static let backups = PortalPage("/backups", "Backup and restore", section: "System", needs: Endpoints.backups.permission)
    static let maintenance = PortalPage("/maintenance", "Maintenance", section: "System", needs: Endpoints.update.permission)
    static let users = PortalPage("/users", "Users", section: "Accounts", needs: Endpoints.users.permission)
    static let roles = PortalPage("/roles", "Roles", section: "Accounts", needs: Endpoints.roles.permission)
    static let me = PortalPage("/me", "My account", section: "Me", needs: .signedIn)
    static let myCalls = PortalPage("/me/calls", "My calls", section: "Me", needs: .signedIn)

    static let all = [dashboard, securitySettings, securityRules, extensions, extensionDetail, trunks, outboundRoutes, inboundRoutes,
                      businessHours, holidays, outboundCountries, outboundNumbers, outboundPINs, outboundLocks, events, callRecords,
                      notifications, eventCatalogue, backups, maintenance, users, roles, me, myCalls]

    /// The menu for a caller: sections in order, each with the pages their role may see; `current` marked.
    static func menu(for session: PortalSession, current: String) -> [[String: Any]] {
        var sections: [(String, [[String: Any]])] = []
        for page in all where page.inMenu && session.may(page.requirement) {
            let entry: [String: Any] = ["path": page.path, "title": page.title, "current": page.path == current]
            if let index = sections.firstIndex(where: { $0.0 == page.section }) {
                sections[index].1.append(entry)
            } else {
                sections.append((page.section, [entry]))
            }
        }
        return sections.map { ["name": $0.0, "pages": $0.1] }
    }
}
