import Defense
import Events
import Foundation
import GeoIP
import Logging
import Model
import Storage

/// The network layer's owner: keeps the settings, the block list and the geo-IP database, compiles them into
/// snapshots for the guard, turns the guard's trips into persistent, escalating blocks with events, and expires
/// them. Without `shards` (the CLI with no server running) it edits the store only.
public actor NetworkDefense {
    public static let defenseTypeAuto = "auto defense"
    public static let defenseTypeManual = "manual"

    private let store: any PortcullisStore
    private let publishEvent: @Sendable (PortcullisEvent) async -> Void
    private let logger: Logger
    public nonisolated let shards: NetworkGuardShards?

    private var settings = NetworkSettings()
    private var blocks: [Int64: ActiveBlock] = [:]
    private var allow: [IPNetwork] = []
    /// The configured trunks' addresses and the other cluster nodes': never blocked automatically.
    private var trunks: [IPNetwork] { trunkNetworks + clusterPeers }
    private var trunkNetworks: [IPNetwork] = []
    private var clusterPeers: [IPNetwork] = []
    private var geoIP: GeoIPSource?
    /// Blocks per automatic unit within the escalation memory: how many, and when the last one was made.
    private var offenses: [IPNetwork: (count: Int, last: Date)] = [:]
    private var tripsApplied: UInt64 = 0
    private var pendingHits: [Int64: Int] = [:]
    private var nextExpiry: Date?
    /// Told of every block this node stores or removes, for the other nodes of a cluster; nil on a single node.
    private var replication: (@Sendable (_ added: [NetworkBlockRecord], _ removed: [Int64]) -> Void)?
    private var settingsLoaded = false
    /// Automatic changes (trips, expiry) mark the snapshot stale; it is rebuilt at most every 100 ms, so a storm of
    /// trips costs one rebuild, not one each. Until then each shard drops what it tripped on itself.
    private var snapshotStale = false

    static let maxOffenseMemory = 100_000
    static let trunkNotBlocked = "not blocked: a configured trunk's address (UDP sources can be forged); check the trunk"

    public init(store: any PortcullisStore, publishEvent: @escaping @Sendable (PortcullisEvent) async -> Void, logger: Logger,
                shards: NetworkGuardShards?) {
        self.store = store
        self.publishEvent = publishEvent
        self.logger = logger
        self.shards = shards
    }

    /// Reads the stored settings and blocks and publishes the first snapshot. A country rule whose database cannot
    /// be opened fails closed (its service admits exempt and allowed sources only) and raises an event.
    public func load() async throws {
        settings = try await store.settings(NetworkSettings.self)
        settingsLoaded = true
        blocks = [:]
        for record in try await store.blocks(NetworkBlockQuery(limit: 1_000_000)) {
            if let active = Self.active(record) { track(active) }
        }
        allow = await resolveAllowList(settings.allow)
        if settings.countries.sip.enabled || settings.countries.api.enabled {
            do {
                geoIP = try GeoIPSource.open(settings.geoIP)
            } catch {
                await geoIPFailed(error)
            }
        }
        publishSnapshot()
    }

    public func currentSettings() async throws(NetworkDefenseError) -> NetworkSettings {
        try await loadSettingsIfNeeded()
        return settings
    }

    /// Without `load()` (the CLI editing the store), settings are read on first use.
    private func loadSettingsIfNeeded() async throws(NetworkDefenseError) {
        guard !settingsLoaded else { return }
        settings = try await storeCall { try await store.settings(NetworkSettings.self) }
        allow = await resolveAllowList(settings.allow)
        settingsLoaded = true
    }

    public var snapshot: NetworkSnapshot? { shards?.snapshot }

    // MARK: Settings

    /// A checked change: valid, its geo-IP database readable, and not cutting off `caller` (unless forced).
    public struct PreparedSettings: Sendable {
        public let settings: NetworkSettings
        fileprivate let allow: [IPNetwork]
        fileprivate let geoIP: GeoIPSource?
    }

    public func prepare(_ candidate: NetworkSettings, caller: IPAddress?, callerPort: Int = 0,
                        force: Bool) async throws(NetworkDefenseError) -> PreparedSettings {
        try await loadSettingsIfNeeded()
        let problems = candidate.problems
        guard problems.isEmpty else {
            throw NetworkDefenseError(.invalidInput, "\(problems.count) problem(s) in the network settings, nothing was changed",
                                      problems: problems)
        }
        var source: GeoIPSource?
        if candidate.countries.sip.enabled || candidate.countries.api.enabled {
            source = candidate.geoIP == settings.geoIP ? geoIP : nil
            if source == nil { source = try GeoIPSource.open(candidate.geoIP) }
        }
        let resolved = await resolveAllowList(candidate.allow)
        if let caller, !force {
            let trial = NetworkSnapshot(settings: candidate, allow: resolved, blocks: [], countries: source?.lookup)
            var scratch = RateCounters(capacity: 1)
            let endpoint = NetworkEndpoint(service: .api, transport: .tcp, port: callerPort)
            let decision = NetworkGuard.decide(source: caller, endpoint: endpoint, now: 0, snapshot: trial, counters: &scratch)
            if decision.verdict != .admit {
                throw NetworkDefenseError(.wouldLockOut, """
                    these settings would cut you off: your address \(caller) would be refused on the admin API \
                    (\(Self.describe(decision.verdict, settings: candidate))); \
                    add it to network.allow, or repeat with force to apply anyway
                    """)
            }
        }
        return PreparedSettings(settings: candidate, allow: resolved, geoIP: source)
    }

    /// Makes prepared settings live; `persist` false when the caller already stored them (a whole-configuration apply).
    public func activate(_ prepared: PreparedSettings, persist: Bool = true) async throws(NetworkDefenseError) {
        if persist {
            do {
                try await store.save(prepared.settings)
            } catch {
                throw NetworkDefenseError(.storage, "cannot store the network settings: \(error)")
            }
        }
        settings = prepared.settings
        allow = prepared.allow
        geoIP = prepared.geoIP
        publishSnapshot()
    }

    // MARK: Block list

    public func blockList(_ query: NetworkBlockQuery) async throws(NetworkDefenseError) -> [NetworkBlockRecord] {
        try await storeCall { try await store.blocks(query) }
    }

    public func block(_ request: ManualBlockRequest, caller: IPAddress?, by actor: String) async throws(NetworkDefenseError) -> NetworkBlockRecord {
        try await loadSettingsIfNeeded()
        let network: IPNetwork
        do {
            network = try IPNetwork(parsing: request.source)
        } catch {
            throw NetworkDefenseError(.invalidInput, "source: \(error.description)")
        }
        if let duration = request.duration, !(1...31_536_000).contains(duration) {
            throw NetworkDefenseError(.invalidInput, "duration must be 1-31536000 seconds, or left out for a permanent block")
        }
        if let note = request.note, note.count > 200 || note.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            throw NetworkDefenseError(.invalidInput, "note must be at most 200 printable characters")
        }
        if allow.contains(where: { $0.contains(network.address) || network.contains($0.address) }) {
            throw NetworkDefenseError(.conflict, "\(network) is on the allow list (network.allow); remove it there first")
        }
        if let caller, request.force != true, network.contains(caller), request.service?.family.contains(.api) ?? true {
            throw NetworkDefenseError(.wouldLockOut, "\(network) contains your own address \(caller); repeat with force to block it anyway")
        }
        let now = Date()
        let record = NetworkBlockRecord(source: network.description, defenseType: Self.defenseTypeManual, service: request.service?.rawValue,
                                        attackedAt: now, rule: "manual by \(actor)", note: request.note, createdAt: now,
                                        expiresAt: request.duration.map { now.addingTimeInterval(TimeInterval($0)) })
        let stored = try await storeCall { try await store.insertBlocks([record]) }.first ?? record
        if let active = Self.active(stored) { track(active) }
        publishSnapshot()
        replication?([stored], [])
        var fields = Self.fields(stored)
        fields["by"] = actor
        if let caller { fields["from"] = caller.description }
        await publishEvent(PortcullisEvent(EventCatalogue.ipBlocked, time: now, fields: fields))
        return stored
    }

    /// Removes blocks by id (digits) or by source (address or range); the guard admits the source at once. `actor` and
    /// `caller` (their address) are named in the events.
    public func unblock(_ target: String, by actor: String, from caller: IPAddress? = nil) async throws(NetworkDefenseError) -> [NetworkBlockRecord] {
        let ids: [Int64]
        if let id = Int64(target) {
            ids = [id]
        } else {
            let network: IPNetwork
            do {
                network = try IPNetwork(parsing: target)
            } catch {
                throw NetworkDefenseError(.invalidInput, "give a block id or a source address/range: \(error.description)")
            }
            ids = try await storeCall { try await store.blocks(NetworkBlockQuery(source: network.description, limit: 1_000_000)) }.compactMap(\.id)
        }
        let removed = try await storeCall { try await store.deleteBlocks(ids: ids) }
        guard !removed.isEmpty else { throw NetworkDefenseError(.notFound, "no block matches '\(target.prefix(60))'") }
        for record in removed {
            if let id = record.id { blocks[id] = nil }
            if let network = try? IPNetwork(parsing: record.source) { offenses[network] = nil }
        }
        publishSnapshot()
        replication?([], removed.compactMap(\.id))
        for record in removed {
            var fields = Self.fields(record)
            fields["unblockedBy"] = actor
            if let caller { fields["from"] = caller.description }
            await publishEvent(PortcullisEvent(EventCatalogue.ipUnblocked, fields: fields))
        }
        return removed
    }

    // MARK: Running

    /// Consumes the guard's reports and keeps time: a stale snapshot rebuilt within 100 ms, expiry every second, hit
    /// counts every 5 s, the geo-IP files checked every 10 s, domain names resolved again every 5 minutes.
    public func run() async {
        guard let shards else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await report in shards.reports { await self.handle(report) }
            }
            group.addTask {
                var tick = 0
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(100))
                    await self.publishIfStale()
                    tick += 1
                    guard tick % 10 == 0 else { continue }
                    await self.expire(now: Date())
                    if tick % 50 == 0 {
                        shards.flushHits()
                        await self.writeHits()
                    }
                    if tick % 100 == 0 { await self.reloadGeoIPIfChanged() }
                    if tick % 3_000 == 0 { await self.refreshAllowList() }
                }
                shards.finish()
            }
        }
        await writeHits()
    }

    private func handle(_ report: NetworkGuardShards.Report) async {
        switch report {
        case .hits(let hits):
            for (id, count) in hits { pendingHits[id, default: 0] += count }
        case .trip(let trip, let sequence):
            await record(trip)
            // Only now: a snapshot published while the block was being stored must not release the shard's own copy.
            tripsApplied = max(tripsApplied, sequence)
        case .block(let block, let sequence):
            await record(block)
            tripsApplied = max(tripsApplied, sequence)
        }
    }

    /// A rate rule fired: announce it, and unless monitor-only, block the source for an escalating time. The new
    /// snapshot also tells the shards which of their own local blocks it now carries.
    func record(_ trip: AutoDefenseTrip) async {
        guard settings.autoDefense.rules.indices.contains(trip.rule) else { return }
        let rule = settings.autoDefense.rules[trip.rule]
        let details = ["packets": String(trip.packets), "limit": "\(rule.packets)/\(rule.interval)s"]
        if trip.monitorOnly {
            let now = Date(timeIntervalSince1970: TimeInterval(trip.time) / 1e9)
            var fields = details.merging([
                "source": trip.source.description, "defenseType": Self.defenseTypeAuto, "blockType": "ip",
                "blockRange": "service \(trip.endpoint.service.rawValue)", "protocol": trip.endpoint.transport.rawValue,
                "port": String(trip.endpoint.port), "attackedAt": ISO8601DateFormatter().string(from: now), "rule": rule.name,
            ]) { $1 }
            fields["action"] = isTrunk(trip.source) ? NetworkDefense.trunkNotBlocked : "monitored (rule is monitor-only, not blocked)"
            await publishEvent(PortcullisEvent(EventCatalogue.autoDefenseBlocked, time: now, fields: fields))
            return
        }
        await record(AutomaticBlock(source: trip.source, endpoint: trip.endpoint, defenseType: Self.defenseTypeAuto,
                                                 rule: rule.name, baseDuration: rule.blockDuration, time: trip.time,
                                                 event: EventCatalogue.autoDefenseBlocked, details: details))
    }

    /// Stores an automatic block (from a rate rule or another layer such as the registration lockout) with its
    /// escalated duration and announces it; nothing when the source is already blocked for the service.
    func record(_ block: AutomaticBlock) async {
        defer { snapshotStale = true }
        let now = Date(timeIntervalSince1970: TimeInterval(block.time) / 1e9)
        if isTrunk(block.source) {
            let fields = block.details.merging(["source": block.source.description, "rule": block.rule, "defenseType": block.defenseType,
                                                "protocol": block.endpoint.transport.rawValue, "port": String(block.endpoint.port),
                                                "action": NetworkDefense.trunkNotBlocked]) { $1 }
            await publishEvent(PortcullisEvent(block.event, time: now, fields: fields))
            return
        }
        let service = block.endpoint.service
        if blocks.values.contains(where: { $0.network == block.source && $0.services.contains(service) && $0.expiresAt > block.time }) { return }
        let escalation = settings.autoDefense.escalation
        let previous = offenses[block.source].flatMap { now.timeIntervalSince($0.last) < TimeInterval(escalation.memory) ? $0.count : nil } ?? 0
        let offense = previous + 1
        // A UDP source address can be forged, so evidence over UDP alone escalates, but never to a permanent block.
        let permanentAllowed = block.endpoint.transport != .udp
        let duration = escalation.duration(base: block.baseDuration, offense: offense, permanent: permanentAllowed)
        if offenses.count >= Self.maxOffenseMemory, offenses[block.source] == nil,
           let stalest = offenses.min(by: { $0.value.last < $1.value.last }) {
            offenses[stalest.key] = nil
        }
        offenses[block.source] = (offense, now)
        let record = NetworkBlockRecord(source: block.source.description, defenseType: block.defenseType,
                                        blockType: block.details["blockType"] ?? "ip", service: service.rawValue,
                                        account: block.details["account"], protocol: block.details["protocol"] ?? block.endpoint.transport.rawValue,
                                        port: block.endpoint.port, attackedAt: now, rule: block.rule, createdAt: now,
                                        expiresAt: duration.map { now.addingTimeInterval(TimeInterval($0)) }, offense: offense)
        let fields: [String: String]
        do {
            let stored = try await store.insertBlocks([record]).first ?? record
            if let active = Self.active(stored) { track(active) }
            replication?([stored], [])
            fields = Self.fields(stored).merging(block.details) { $1 }.merging(["action": "blocked"]) { $1 }
        } catch {
            logger.error("cannot store an automatic block", metadata: ["source": "\(block.source)", "error": "\(error)"])
            return
        }
        logger.notice("\(block.defenseType) blocked a source", metadata: [
            "source": "\(block.source)", "rule": "\(block.rule)", "duration": "\(duration.map { "\($0)s" } ?? "permanent")",
        ])
        await publishEvent(PortcullisEvent(block.event, time: now, fields: fields))
    }

    func expire(now: Date) async {
        guard let due = nextExpiry, due <= now else { return }
        let removed: [NetworkBlockRecord]
        do {
            removed = try await store.deleteBlocks(expiredAt: now)
        } catch {
            logger.error("cannot expire blocks", metadata: ["error": "\(error)"])
            return
        }
        for record in removed {
            if let id = record.id { blocks[id] = nil }
        }
        // On a shared store another node may have removed the rows first: what has expired goes here too.
        let nanoseconds = Int64(now.timeIntervalSince1970 * 1e9)
        for (id, block) in blocks where block.expiresAt <= nanoseconds { blocks[id] = nil }
        snapshotStale = true
        for record in removed {
            var fields = Self.fields(record)
            fields["unblockedBy"] = "expiry"
            await publishEvent(PortcullisEvent(EventCatalogue.ipUnblocked, time: now, fields: fields))
        }
    }

    private func writeHits() async {
        guard !pendingHits.isEmpty else { return }
        let hits = pendingHits
        pendingHits = [:]
        do {
            try await store.addBlockHits(hits)
        } catch {
            logger.warning("cannot store block hit counts", metadata: ["error": "\(error)"])
        }
    }

    func reloadGeoIPIfChanged() async {
        guard let current = geoIP, current.currentSignature() != current.signature else { return }
        do {
            geoIP = try GeoIPSource.open(settings.geoIP)
            logger.notice("geo-IP database reloaded", metadata: ["source": "\(geoIP?.description ?? "")"])
            publishSnapshot()
        } catch {
            // Keep answering from the copy in memory; the operator is told.
            geoIP = GeoIPSource(lookup: current.lookup, signature: current.currentSignature(), description: current.description)
            await geoIPFailed(error)
        }
    }

    private func refreshAllowList() async {
        let resolved = await resolveAllowList(settings.allow)
        if resolved != allow {
            allow = resolved
            publishSnapshot()
        }
    }

    private func geoIPFailed(_ error: NetworkDefenseError) async {
        logger.error("geo-IP database unavailable", metadata: ["error": "\(error.description)"])
        await publishEvent(PortcullisEvent(EventCatalogue.geoIPUnavailable, fields: ["error": error.description]))
    }

    private func resolveAllowList(_ entries: [String]) async -> [IPNetwork] {
        let (networks, unresolved) = await AllowListResolver.resolve(entries)
        if !unresolved.isEmpty { logger.warning("allow-list names did not resolve", metadata: ["names": "\(unresolved)"]) }
        return networks
    }

    private func track(_ block: ActiveBlock) {
        blocks[block.id] = block
        if block.expiresAt != .max {
            let expiry = Date(timeIntervalSince1970: TimeInterval(block.expiresAt) / 1e9)
            nextExpiry = min(nextExpiry ?? expiry, expiry)
        }
    }

    /// Sends this node's block changes to `replicate` (the cluster's bus).
    public func replicate(to replicate: @escaping @Sendable (_ added: [NetworkBlockRecord], _ removed: [Int64]) -> Void) {
        replication = replicate
    }

    /// Another node stored or removed blocks in the shared store: the guard here enforces the same list at once.
    public func adopt(added: [NetworkBlockRecord], removed: [Int64]) {
        for record in added { if let active = Self.active(record) { track(active) } }
        for id in removed { blocks[id] = nil }
        publishSnapshot()
    }

    /// The configured trunks' addresses changed: from now on they are reported, never blocked automatically.
    public func update(trunks addresses: [IPAddress]) {
        let networks = Self.hosts(addresses)
        guard networks != trunkNetworks else { return }
        trunkNetworks = networks
        publishSnapshot()
    }

    /// The other live cluster nodes' addresses: they carry every call relayed between nodes, so they are treated as
    /// trunks are (reported, never blocked automatically).
    public func update(clusterPeers addresses: [IPAddress]) {
        let networks = Self.hosts(addresses).sorted { $0.description < $1.description }
        guard networks != clusterPeers else { return }
        clusterPeers = networks
        publishSnapshot()
    }

    private static func hosts(_ addresses: [IPAddress]) -> [IPNetwork] {
        addresses.map { IPNetwork(containing: $0, prefixLength: $0.bitCount) }
    }

    private func isTrunk(_ source: IPNetwork) -> Bool { trunks.contains { $0.contains(source.address) } }

    func publishIfStale() {
        if snapshotStale { publishSnapshot() }
    }

    /// Compiles and hands the guard a new snapshot now; operator changes take this path so they apply at once.
    private func publishSnapshot() {
        snapshotStale = false
        nextExpiry = blocks.values.lazy.filter { $0.expiresAt != .max }.map { Date(timeIntervalSince1970: TimeInterval($0.expiresAt) / 1e9) }.min()
        shards?.publish(NetworkSnapshot(settings: settings, allow: allow, blocks: Array(blocks.values), countries: geoIP?.lookup,
                                        trunks: trunks, tripsApplied: tripsApplied))
    }

    private func storeCall<T>(_ body: () async throws -> T) async throws(NetworkDefenseError) -> T {
        do {
            return try await body()
        } catch {
            throw NetworkDefenseError(.storage, "\(error)")
        }
    }
}
