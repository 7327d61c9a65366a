import DefenseRuntime
import Defense
import Events
import Foundation
import Logging
import Model
import PBX
import Storage

/// No server runs on the data directory: operations change the store only, and events go straight to the log.
public struct OfflineState: LiveState {
    let store: any PortcullisStore
    public let network: NetworkDefense

    public init(store: any PortcullisStore) {
        self.store = store
        network = NetworkDefense(store: store, publishEvent: { event in try? await store.appendEvents([event.record]) },
                                 logger: Logger(label: "portcullis"), shards: nil)
    }

    public func record(_ event: PortcullisEvent) async { try? await store.appendEvents([event.record]) }

    public func extensionSaved(_ record: ExtensionRecord) {}

    public func extensionRemoved(_ number: String) async throws(AdminError) {
        if let left = try await unlockOutbound(number) {
            try await AdminService.storeCall { try await PBXRuntime.store([.unlocked(number)], over: left, in: store) }
        }
        let stale = try await AdminService.storeCall { try await store.bindings() }.filter { $0.aor == number }
        try await AdminService.storeCall { try await store.applyBindingChanges(stale.map { .remove(aor: $0.aor, contact: $0.contact) }) }
    }

    public func configurationApplied(extensions: [ExtensionRecord], removed: Set<String>, sip: SIPSettings) {}

    public func registrationDefenseChanged(_ settings: RegistrationDefenseSettings) {}

    public func routingChanged(_ routing: RoutingSettings, policy: OutboundPolicySettings) throws(AdminError) {}

    public func bindings() async throws(AdminError) -> [Binding] { try await AdminService.storeCall { try await store.bindings() } }

    public func registeredContacts(_ number: String) -> Int { 0 }

    public var trunkStatuses: [String: String] { [:] }

    public func outboundLocks() async throws(AdminError) -> [String: OutboundLock] {
        try await AdminService.storeCall { try await store.stored([String: OutboundLock].self, key: PBXRuntime.outboundLocksKey) } ?? [:]
    }

    public func unlockOutbound(_ number: String) async throws(AdminError) -> [String: OutboundLock]? {
        var locks = try await outboundLocks()
        return locks.removeValue(forKey: number) == nil ? nil : locks
    }

    public func adoptOutboundLocks(_ locks: [String: OutboundLock]) {}

    public var health: HealthView {
        HealthView(status: "ok", extensions: 0, registrations: 0, calls: 0, mediaSessions: 0, pendingRequests: 0, serverTransactions: 0, listeners: [])
    }
}
