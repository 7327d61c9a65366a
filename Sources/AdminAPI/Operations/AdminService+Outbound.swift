import Defense
import Events
import Foundation
import Model
import PBX
import Storage

/// The outbound call policy (emergency numbers, groups, time conditions, holidays, countries, number lists,
/// frequency rules, PIN lockout) and the extensions it locked. Validated whole against the routes that name its
/// groups and time conditions; live for the next call.
extension AdminService {
    public func outboundPolicy() async throws(AdminError) -> OutboundPolicySettings {
        try await settings(OutboundPolicySettings.self)
    }

    public func setOutboundPolicy(_ policy: OutboundPolicySettings) async throws(AdminError) -> OutboundPolicySettings {
        let routing = try await storedRouting()
        let records = try await storeCall { try await store.extensions() }
        let problems = policyProblems(policy, routing: routing, extensions: records)
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        try await storeCall { try await store.save(policy) }
        try live.routingChanged(routing, policy: policy)
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "outbound"]))
        return policy
    }

    /// Extensions locked for outbound calls and why.
    public func outboundLocks() async throws(AdminError) -> [OutboundLockView] {
        try await live.outboundLocks().map { OutboundLockView(extension: $0.key, reason: $0.value.reason, since: $0.value.since) }.sorted { $0.extension < $1.extension }
    }

    /// The section a change of the outbound locks names: every node of a cluster reads the locks again.
    public static let outboundLocksSection = "outbound locks"

    /// Lets a locked extension call out again.
    public func unlockOutbound(_ number: String) async throws(AdminError) -> [OutboundLockView] {
        guard let left = try await live.unlockOutbound(number) else { throw AdminError(.notFound, "extension \(number.prefix(20)) is not locked") }
        try await storeCall { try await PBXRuntime.store([.unlocked(number)], over: left, in: store) }
        // As on one node, an unlocked extension's count starts again, for the whole cluster.
        if let ledger = store as? any OutboundLedger { try await storeCall { try await ledger.forgetOutboundCalls(of: number) } }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": Self.outboundLocksSection, "unlocked": number]))
        return try await outboundLocks()
    }

    /// The policy's own problems, the routes' references to it, and the extensions' frequency rules.
    func policyProblems(_ policy: OutboundPolicySettings, routing: RoutingSettings, extensions: [ExtensionRecord]) -> [String] {
        var problems = policy.problems(extensions: Set(extensions.map(\.number)))
        problems += routing.referenceProblems(policy)
        problems += extensions.compactMap { record in policy.missingRule(record.policy.calls).map { "extension \(record.number): \($0)" } }
        return problems
    }

    /// An extension's outbound restrictions against the stored policy: its frequency rule must exist.
    func outboundRuleProblems(_ rules: ExtensionCallRules) async throws(AdminError) -> [String] {
        guard rules.frequencyRule != nil else { return [] }
        return try await outboundPolicy().missingRule(rules).map { ["outbound: \($0)"] } ?? []
    }
}

/// An extension locked for outbound calls.
public struct OutboundLockView: Codable, Sendable, Equatable {
    public var `extension`: String
    public var reason: String
    public var since: Date
}
