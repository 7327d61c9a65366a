import DefenseRuntime
import Defense
import Events
import Media
import Model
import PBX
import SIPStack
import Storage

/// The running server: changes reach the PBX at once.
public struct RunningPBX: LiveState {
    let runtime: PBXRuntime

    public init(_ runtime: PBXRuntime) {
        self.runtime = runtime
    }

    public var network: NetworkDefense { runtime.network }

    public func record(_ event: PortcullisEvent) async { runtime.bus.publish(event) }

    public func extensionSaved(_ record: ExtensionRecord) { runtime.directory.upsert(record) }

    public func extensionRemoved(_ number: String) async throws(AdminError) {
        runtime.directory.remove(number)
        runtime.location.removeAll(number)
        // A number used again later starts without the old extension's outbound lock or call history.
        if let left = runtime.router.unlockOutbound(number) {
            try await AdminService.storeCall { try await PBXRuntime.store([.unlocked(number)], over: left, in: runtime.store) }
        }
    }

    public func configurationApplied(extensions: [ExtensionRecord], removed: Set<String>, sip: SIPSettings) {
        runtime.directory.replaceAll(extensions)
        for number in removed { runtime.location.removeAll(number) }
        runtime.dispatcher.update(bounds: sip.registration)
        runtime.registrationGuard.update(sip.lockout, scanners: sip.scanners)
        runtime.router.update(sip.calls)
    }

    public func registrationDefenseChanged(_ settings: RegistrationDefenseSettings) {
        runtime.registrationGuard.update(settings.lockout, scanners: settings.scanners)
    }

    public func routingChanged(_ routing: RoutingSettings, policy: OutboundPolicySettings) throws(AdminError) {
        do {
            try runtime.apply(routing: routing, policy: policy)
        } catch {
            throw AdminError(.internalError, "\(error)")
        }
    }

    public func bindings() async throws(AdminError) -> [Binding] { runtime.location.all() }

    public func registeredContacts(_ number: String) -> Int { runtime.location.bindings(for: number).count }

    public var trunkStatuses: [String: String] { runtime.trunkRegistrar.statuses }

    public func outboundLocks() async throws(AdminError) -> [String: OutboundLock] { runtime.router.outboundLocks }

    public func unlockOutbound(_ number: String) async throws(AdminError) -> [String: OutboundLock]? { runtime.router.unlockOutbound(number) }

    public func adoptOutboundLocks(_ locks: [String: OutboundLock]) { runtime.router.replace(locks: locks) }

    public var health: HealthView {
        let healthy = runtime.listeners.allListening
        return HealthView(status: healthy ? "ok" : "degraded", extensions: runtime.directory.count, registrations: runtime.location.count,
                          calls: runtime.router.count, mediaSessions: runtime.media?.openSessions ?? 0, pendingRequests: runtime.router.pendingRequests,
                          serverTransactions: runtime.dispatcher.serverTransactions, listeners: runtime.listeners.statuses)
    }
}
