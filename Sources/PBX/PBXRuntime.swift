import Defense
import DefenseRuntime
import Events
import Foundation
import Synchronization
import Logging
import Media
import Model
import SIPAuth
import NIOConcurrencyHelpers
import NIOCore
import SIPStack
import Storage

/// The live PBX state shared by the SIP side and the admin API: one directory, one location service, one
/// dispatcher, one event bus, one network defense. Built once at start from the store.
public final class PBXRuntime: Sendable {
    public let configuration: PBXConfiguration
    public let store: any PortcullisStore
    public let bus: EventBus
    public let directory: ExtensionDirectory
    public let location: LocationService
    /// Which other cluster nodes hold devices of each extension (empty on a single node).
    public let remote = RemoteLocations()
    public let dispatcher: SIPRequestDispatcher
    public let router: CallRouter
    /// Nil when media is not relayed.
    public let media: MediaRelay?
    /// Keeps registration trunks registered at their providers.
    public let trunkRegistrar: TrunkRegistrar
    /// Places the calls of notification contacts.
    public let notificationCaller: NotificationCaller
    /// Finished calls waiting to be written; drained by `SIPService`.
    public let callRecords = WriteBehindQueue<[CallDetailRecord]>()
    /// Answered calls waiting to be journaled (in a cluster).
    public let openCalls = WriteBehindQueue<[CallDetailRecord]>()
    /// Whether the last write-behind batch failed: the store is unreachable until one succeeds.
    private let storeFailing = Mutex(false)
    /// Who hears that the PBX stored the outbound locks it changed (the other nodes of a cluster read them again).
    private let lockStored = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)
    public func announceLocks(_ handle: @escaping @Sendable () -> Void) { lockStored.withLockedValue { $0 = handle } }
    /// The last write of lock changes: the next one waits for it, so the changes reach the store in the order they
    /// were made (a lock and then its unlock must not be stored the other way round).
    private let lockWrites = NIOLockedValueBox<Task<Void, Never>?>(nil)
    /// The other nodes as the last heartbeat saw them: live ones, and missing ones whose bindings this node released.
    let clusterWatch = Mutex<(alive: Set<String>, released: Set<String>)>(([], []))
    /// The server's UDP sockets and open connections, for requests the PBX starts.
    public let flows = SIPFlowTable()
    /// The SIP listeners and whether each still listens, for `/healthz`.
    public let listeners = SIPListenerTable()
    public let network: NetworkDefense
    public let registrationGuard: RegistrationGuard
    /// Opens trunk passwords and fingerprints keyed PINs.
    let secrets: SecretBox
    public let logger: Logger

    /// Loads extensions and live bindings; `nonceKey` signs digest nonces (kept in the store, so nonces survive restarts).
    /// `loops` are the event loops the listeners run on: the network guard keeps one shard of counters per loop.
    /// `secrets` opens trunk passwords and fingerprints keyed PINs.
    public init(configuration: PBXConfiguration, store: any PortcullisStore, bus: EventBus, nonceKey: [UInt8], secrets: SecretBox,
                loops: [any EventLoop], logger: Logger) async throws {
        self.configuration = configuration
        self.secrets = secrets
        self.store = store
        self.bus = bus
        self.logger = logger
        directory = ExtensionDirectory(try await store.extensions())
        location = LocationService(node: configuration.node)
        let bindings = try await store.bindings()
        location.load(bindings, now: Date())
        if let node = configuration.node { remote.replace(with: bindings, except: node, now: Date()) }
        let authenticator = RegistrationAuthenticator(configuration: configuration, key: nonceKey, directory: directory)
        let shards = NetworkGuardShards(loops: loops, snapshot: NetworkSnapshot(settings: NetworkSettings(), allow: [], blocks: [], countries: nil))
        registrationGuard = RegistrationGuard(settings: configuration.sip.lockout, scanners: configuration.sip.scanners, shards: shards) {
            bus.publish($0)
        }
        media = configuration.sip.media.relay ? MediaRelay(settings: configuration.sip.media, host: configuration.mediaHost) : nil
        router = CallRouter(settings: configuration.sip.calls, location: location, directory: directory, flows: flows, media: media,
                            rtpTimeout: configuration.sip.media.rtpTimeout, secrets: secrets, logger: logger,
                            cluster: configuration.node.map { [remote] in
                                CallRouter.Cluster(node: $0, remote: remote, ledger: store as? any OutboundLedger, journaling: store is any CallJournal)
                            },
                            onEnded: Self.naming(configuration.node, into: callRecords), onAnswered: Self.naming(configuration.node, into: openCalls),
                            onEvent: { bus.publish($0) }, onLocksChanged: { [lockStored, lockWrites] changes, held in
            lockWrites.withLockedValue { last in
                last = Task { [last] in
                    await last?.value
                    do {
                        try await PBXRuntime.store(changes, over: held, in: store)
                        lockStored.withLockedValue { $0 }?()
                    } catch {
                        logger.error("outbound locks not stored; they hold until a restart", metadata: ["error": "\(error)"])
                    }
                }
            }
        })
        trunkRegistrar = TrunkRegistrar(flows: flows, advertisedHost: configuration.sip.calls.advertisedHost) { bus.publish($0) }
        notificationCaller = NotificationCaller(flows: flows, location: location, relay: media, router: router,
                                                advertisedHost: configuration.sip.calls.advertisedHost)
        dispatcher = SIPRequestDispatcher(configuration: configuration, authenticator: authenticator,
                                          registrationGuard: configuration.registrationGuard ? registrationGuard : nil, router: router,
                                          trunkRegistrar: trunkRegistrar, notificationCaller: notificationCaller, location: location, bus: bus,
                                          logger: logger)
        let routing = try await store.settings(RoutingSettings.self)
        router.update(routing: RoutingTable(try routing.opened(with: secrets),
                                            policy: try await store.settings(OutboundPolicySettings.self)))
        do {
            router.replace(locks: try await store.stored([String: OutboundLock].self, key: PBXRuntime.outboundLocksKey) ?? [:])
        } catch StoreError.unreadable(let what) {
            // Which extensions were locked is unknown: all are, until an administrator unlocks them one by one.
            let now = Date()
            router.replace(locks: Dictionary(uniqueKeysWithValues: directory.numbers.map {
                ($0, OutboundLock(reason: "\(what) could not be read at start; unlock to allow outbound calls", since: now))
            }))
            bus.publish(PortcullisEvent(EventCatalogue.outboundLocked, time: now, fields: [
                "extension": "all", "reason": "\(what) could not be read; every extension is locked for outbound calls"]))
        }
        network = NetworkDefense(store: store, publishEvent: { bus.publish($0) }, logger: logger, shards: shards)
        try await network.load()
        await network.update(trunks: router.routingTable.trunkAddresses)
    }

    /// New trunks, routes or outbound policy, as stored (trunk passwords sealed): the router uses them for the next
    /// call, registration trunks (re)register, and the trunks' addresses are never blocked automatically.
    public func apply(routing: RoutingSettings, policy: OutboundPolicySettings) throws(SecretBoxError) {
        let table = RoutingTable(try routing.opened(with: secrets), policy: policy)
        router.update(routing: table)
        trunkRegistrar.update(table)
        Task { [network] in await network.update(trunks: table.trunkAddresses) }
    }

    /// Extensions locked for outbound calls, kept so a restart does not unlock them.
    public static let outboundLocksKey = "outbound.locks"

    /// Applies lock changes to the stored locks in one step of the store (`PortcullisStore.modify`). Stored locks that
    /// cannot be read are replaced by `current`, the locks this node holds with the changes made: at start it locked
    /// every extension for them, and an administrator unlocking one by one repairs the stored table that way.
    public static func store(_ changes: [OutboundLockChange], over current: [String: OutboundLock], in store: any PortcullisStore) async throws {
        try await store.modify([String: OutboundLock].self, key: outboundLocksKey, unreadable: current) { locks in
            var table = locks ?? [:]
            for change in changes { change.apply(to: &table) }
            locks = table
        }
    }

    /// Once the listeners are bound: registration trunks can reach their providers.
    func startTrunks() {
        trunkRegistrar.update(router.routingTable)
    }

    /// The queues written behind: each drained at its interval while the PBX runs, and once more at shutdown.
    var writeBehind: [(run: @Sendable () async -> Void, flush: @Sendable () async -> Void)] {
        [writer(location.pendingWrites, every: .milliseconds(200), what: "location") { try await $0.applyBindingChanges($1) },
         writer(callRecords, every: .milliseconds(500), what: "call records") { try await $0.appendCallRecords($1) },
         writer(router.endedReservations, every: .milliseconds(200), what: "outbound ledger") { store, keys in
             try await (store as? any OutboundLedger)?.endOutboundCalls(keys, at: Date())
         },
         writer(openCalls, every: .milliseconds(200), what: "open calls") { store, records in try await (store as? any CallJournal)?.openCalls(records) }]
    }

    /// Records of calls queued for the store, each naming this node.
    private static func naming(_ node: String?, into queue: WriteBehindQueue<[CallDetailRecord]>) -> @Sendable (CallDetailRecord) -> Void {
        { record in
            var named = record
            named.node = node
            queue.append(named)
        }
    }

    private func writer<Buffer>(_ queue: WriteBehindQueue<Buffer>, every interval: Duration, what: String,
                                _ body: @escaping @Sendable (any PortcullisStore, [Buffer.Item]) async throws -> Void)
        -> (run: @Sendable () async -> Void, flush: @Sendable () async -> Void) {
        ({ await queue.run(every: interval) { batch in await self.write(batch, what: what, body) } },
         { _ = await self.write(queue.take(), what: what, body) })
    }

    /// One write-behind batch; a failure is logged, never thrown at the hot path that queued it, and answered false
    /// so the queue keeps the batch for the next try. The first failure of a spell raises "Store Unreachable", the
    /// first success after it "Store Reachable Again".
    private func write<Item: Sendable>(_ batch: [Item], what: String,
                                       _ body: (any PortcullisStore, [Item]) async throws -> Void) async -> Bool {
        guard !batch.isEmpty else { return true }
        do {
            try await body(store, batch)
            if storeFailing.withLock({ failing in defer { failing = false }; return failing }) {
                bus.publish(PortcullisEvent(EventCatalogue.storeReachable, fields: ["writing": what]))
            }
            return true
        } catch {
            logger.error("\(what) write failed; kept to try again", metadata: ["error": "\(error)", "items": "\(batch.count)"])
            if !storeFailing.withLock({ failing in defer { failing = true }; return failing }) {
                bus.publish(PortcullisEvent(EventCatalogue.storeUnreachable, fields: [
                    "writing": what, "error": String("\(error)".prefix(120)),
                    "note": "the PBX serves on with what it holds; writes are kept and made when the store answers again",
                ]))
            }
            return false
        }
    }
}
