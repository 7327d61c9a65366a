import DefenseRuntime
import Defense
import Events
import Model
import PBX

/// What an admin operation changes besides the store: a running PBX (`RunningPBX`), or nothing that runs when the
/// CLI works on the data directory without a server (`OfflineState`). Operations are written once against this.
public protocol LiveState: Sendable {
    /// The network layer: live, or one that edits the store.
    var network: NetworkDefense { get }
    /// Publishes an event (live) or writes it to the event log (offline).
    func record(_ event: PortcullisEvent) async
    func extensionSaved(_ record: ExtensionRecord)
    /// Forgets a removed extension's devices and outbound lock.
    func extensionRemoved(_ number: String) async throws(AdminError)
    /// A whole configuration was applied: the extensions as stored, the numbers removed, the new `sip:` section.
    func configurationApplied(extensions: [ExtensionRecord], removed: Set<String>, sip: SIPSettings)
    func registrationDefenseChanged(_ settings: RegistrationDefenseSettings)
    /// Routing as stored (passwords sealed) and the policy: live for the next call.
    func routingChanged(_ routing: RoutingSettings, policy: OutboundPolicySettings) throws(AdminError)
    /// Registered devices, expired ones included.
    func bindings() async throws(AdminError) -> [Binding]
    func registeredContacts(_ number: String) -> Int
    /// Registration state per registration trunk; empty when nothing runs.
    var trunkStatuses: [String: String] { get }
    func outboundLocks() async throws(AdminError) -> [String: OutboundLock]
    /// Lifts `number`'s outbound lock where this state keeps it: the locks left, nil when it was not locked. Storing the
    /// unlock is the caller's (`PBXRuntime.store`, with the locks left standing in for stored ones that cannot be read).
    func unlockOutbound(_ number: String) async throws(AdminError) -> [String: OutboundLock]?
    /// The locks another node stored.
    func adoptOutboundLocks(_ locks: [String: OutboundLock])
    var health: HealthView { get }
}
