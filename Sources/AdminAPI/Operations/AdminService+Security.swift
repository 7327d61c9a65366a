import Defense
import DefenseRuntime
import Foundation
import GeoIP
import Model
import Storage

/// The security dashboard's picture: what was attacked and blocked, by layer, where it came from, what is live, and
/// how far the configuration follows the seed's recommendations.
extension AdminService {
    /// Counted at most once per `SecuritySummary.freshness`: with a million blocks and the week's events the counts take
    /// a while, and every open dashboard asks every 15 s. A summary past its freshness is answered while one recount
    /// runs behind it, so no request waits for the counting except the first, or one after `maxAge`.
    public func securitySummary(now: Date = Date()) async throws(AdminError) -> SecuritySummary {
        switch summaryCache.lookup(at: now) {
        case .fresh(let summary):
            return summary
        case .stale(let summary, let recount):
            if recount {
                Task {
                    let counted = try? await countSecuritySummary(now: Date())
                    summaryCache.finish(counted)
                }
            }
            return summary
        case .missing:
            let summary = try await countSecuritySummary(now: now)
            summaryCache.finish(summary)
            return summary
        }
    }

    private func countSecuritySummary(now: Date) async throws(AdminError) -> SecuritySummary {
        let tallies = try await storeCall { try await store.securityTallies(SecurityTalliesQuery(now: now)) }
        let snapshot = await network.snapshot
        var countries: [String: Int] = [:]
        for source in tallies.recentSources {
            guard let address = IPAddress(source.split(separator: "/").first.map(String.init) ?? source) else { continue }
            countries[snapshot?.country(of: address)?.description ?? "unknown", default: 0] += 1
        }
        let health = live.health
        let alerts = try await events(EventQuery(level: "alert", limit: SecuritySummary.alertCount))
        return SecuritySummary(
            generatedAt: now,
            layers: SecurityLayer.allCases.map { layer in
                LayerCount(layer: layer.title, lastDay: tallies.eventsLastDay[layer.category, default: 0],
                           lastWeek: tallies.eventsLastWeek[layer.category, default: 0])
            },
            blocks: Set(tallies.blocksLastWeek.keys).sorted().map {
                LayerCount(layer: $0, lastDay: tallies.blocksLastDay[$0, default: 0], lastWeek: tallies.blocksLastWeek[$0, default: 0])
            },
            activeBlocks: tallies.activeBlocks,
            countries: countries.map { CountryCount(country: $0.key, blocks: $0.value) }
                .sorted { ($0.blocks, $1.country) > ($1.blocks, $0.country) }.prefix(SecuritySummary.countryCount).map { $0 },
            targetedAccounts: tallies.targetedAccounts,
            registrations: health.registrations, calls: health.calls, outboundLocks: try await live.outboundLocks().count,
            lastAlerts: alerts,
            recommendations: try await recommendations())
    }

    /// The country the running guard's geo-IP database gives `address` (the portal shows administrators their own).
    public func country(of address: IPAddress) async -> String? {
        await network.snapshot?.country(of: address)?.description
    }

    /// The seed's advice, each with whether this PBX follows it now.
    func recommendations() async throws(AdminError) -> [Recommendation] {
        let network = try await networkSettings()
        let outbound = try await outboundPolicy()
        let login = logins.settings
        let registration = try await registrationDefense()
        let twoFactorFor = Set(login.twoFactorRoles)
        return [
            Recommendation(name: "SSH console off", followed: true, detail: "no SSH console listens"),
            Recommendation(name: "Allowed countries for SIP", followed: network.countries.sip.enabled,
                           detail: network.countries.sip.enabled ? "only \(network.countries.sip.allow.joined(separator: ", "))" : "SIP is open to every country"),
            Recommendation(name: "Allowed countries for the portal and API", followed: network.countries.api.enabled,
                           detail: network.countries.api.enabled ? "only \(network.countries.api.allow.joined(separator: ", "))" : "the portal is open to every country"),
            Recommendation(name: "International calls restricted", followed: outbound.countries.enabled,
                           detail: outbound.countries.enabled ? "\(outbound.countries.allowed.count) countries allowed" : "every country may be called"),
            Recommendation(name: "Two-factor authentication for administrators",
                           followed: twoFactorFor.isSuperset(of: [Role.superAdministrator.name, Role.administrator.name]),
                           detail: "required for " + (login.twoFactorRoles.isEmpty ? "nobody" : login.twoFactorRoles.joined(separator: ", "))),
            Recommendation(name: "Auto defense rate rules on", followed: network.autoDefense.rules.allSatisfy { $0.enabled && !$0.monitorOnly },
                           detail: "\(network.autoDefense.rules.filter { $0.enabled && !$0.monitorOnly }.count) of \(network.autoDefense.rules.count) rules block"),
            Recommendation(name: "Registration lockout on", followed: registration.lockout.failuresPerSource > 0,
                           detail: "\(registration.lockout.failuresPerSource) failures in \(registration.lockout.window) s block a source"),
            Recommendation(name: "Outbound call frequency limited", followed: !outbound.frequencyRules.isEmpty,
                           detail: "\(outbound.frequencyRules.count) frequency rules"),
        ]
    }
}

/// The layers the dashboard counts attacks by, and the event category of each.
enum SecurityLayer: CaseIterable {
    case network, endpoint, login, outbound

    var title: String {
        switch self {
        case .network: "Network"
        case .endpoint: "Endpoint (registration)"
        case .login: "Login (portal, API)"
        case .outbound: "Outbound calls"
        }
    }

    var category: String {
        switch self {
        case .network: "network"
        case .endpoint: "registration"
        case .login: "login"
        case .outbound: "call"
        }
    }
}

public struct SecuritySummary: Codable, Sendable {
    public static let alertCount = 8
    public static let countryCount = 12
    /// How long a summary is answered again before it is counted anew.
    public static let freshness: TimeInterval = 10
    /// Older than this, a summary is not shown while a recount runs: the request waits for the counts.
    public static let maxAge: TimeInterval = 300

    public var generatedAt: Date
    /// Warnings and alerts per defense layer, last 24 hours and last 7 days.
    public var layers: [LayerCount]
    /// Blocks made per defense type, last 24 hours and last 7 days.
    public var blocks: [LayerCount]
    public var activeBlocks: Int
    /// Countries of the sources blocked now (newest blocks first, a bounded sample), most first.
    public var countries: [CountryCount]
    public var targetedAccounts: [AccountCount]
    public var registrations: Int
    public var calls: Int
    public var outboundLocks: Int
    public var lastAlerts: [EventView]
    public var recommendations: [Recommendation]
}

public struct LayerCount: Codable, Sendable, Equatable {
    public var layer: String
    public var lastDay: Int
    public var lastWeek: Int
}

public struct CountryCount: Codable, Sendable, Equatable {
    public var country: String
    public var blocks: Int
}

public struct Recommendation: Codable, Sendable, Equatable {
    public var name: String
    public var followed: Bool
    public var detail: String
}
