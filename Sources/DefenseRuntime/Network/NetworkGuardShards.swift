import Defense
import GeoIP
import Metrics
import NIOCore
import Synchronization

/// Runs `NetworkGuard` on the event loops. Each loop owns a shard (rate counters, blocks it made itself and has
/// not yet seen in a snapshot, hit tallies), touched only from that loop, so the per-packet path takes no lock: a
/// UDP socket belongs to one loop, so a source is always counted in one place. TCP connections of one source are
/// spread over the loops, so TCP (connections, stream messages, HTTP requests: far fewer than datagrams) is
/// counted in one shared shard behind a lock, which keeps its limits exact. A new snapshot is noticed through one
/// atomic generation counter.
public final class NetworkGuardShards: Sendable {
    /// What the shards tell `NetworkDefense`: rate rules that fired, and hits on blocked sources.
    public enum Report: Sendable {
        case trip(AutoDefenseTrip, sequence: UInt64)
        case block(AutomaticBlock, sequence: UInt64)
        case hits([Int64: Int])
    }

    private let loops: [ObjectIdentifier]
    /// Each loop's own state, touched only on that loop (checked on every access).
    private let shards: [NIOLoopBoundBox<ShardState>]
    /// For TCP, and for callers on a thread that is not one of the loops (tests, other event loop groups).
    private let shared: Mutex<ShardState>
    private let published: Mutex<NetworkSnapshot>
    private let generation = Atomic<UInt64>(1)
    private let tripSequence = Atomic<UInt64>(0)
    /// Blocks made by other layers, in force at once on every loop until a snapshot carries them; the counter spares
    /// the per-packet path the lock while there are none.
    private let immediate = Mutex<[IPNetwork: ShardState.LocalBlock]>([:])
    private let immediateCount = Atomic<Int>(0)
    private let continuation: AsyncStream<Report>.Continuation
    public let reports: AsyncStream<Report>
    private let metrics = GuardMetrics()

    public init(loops: [any EventLoop], snapshot: NetworkSnapshot) {
        self.loops = loops.map { ObjectIdentifier($0) }
        shards = loops.map { NIOLoopBoundBox.makeBoxSendingValue(ShardState(snapshot: snapshot, generation: 1), eventLoop: $0) }
        shared = Mutex(ShardState(snapshot: snapshot, generation: 1))
        published = Mutex(snapshot)
        (reports, continuation) = AsyncStream.makeStream(of: Report.self, bufferingPolicy: .bufferingNewest(100_000))
    }

    public var snapshot: NetworkSnapshot { published.withLock { $0 } }

    /// Makes `snapshot` the one every later decision reads.
    public func publish(_ snapshot: NetworkSnapshot) {
        published.withLock { $0 = snapshot }
        generation.add(1, ordering: .releasing)
        immediate.withLock { blocks in
            blocks = blocks.filter { $0.value.sequence > snapshot.tripsApplied }
            immediateCount.store(blocks.count, ordering: .releasing)
        }
    }

    /// The unit the guard counts and blocks `address` by (the address, or its IPv6 prefix).
    public func unit(of address: IPAddress) -> IPNetwork { snapshot.rateUnit(of: address) }

    /// Drops `block.source` for its service from now on, on every loop, and has it recorded. Not for allowed sources;
    /// for a trunk's address it is only reported.
    public func block(_ block: AutomaticBlock) {
        guard !snapshot.isAllowed(block.source.address) else { return }
        guard !snapshot.isTrunk(block.source.address) else {
            continuation.yield(.block(block, sequence: 0))
            return
        }
        let sequence = tripSequence.add(1, ordering: .relaxed).newValue
        let expiresAt = block.time + Int64(block.baseDuration) * 1_000_000_000
        immediate.withLock { blocks in
            blocks[block.source] = ShardState.LocalBlock(rule: -1, service: block.endpoint.service, expiresAt: expiresAt, sequence: sequence)
            immediateCount.store(blocks.count, ordering: .releasing)
        }
        continuation.yield(.block(block, sequence: sequence))
    }

    /// Decides for one packet or connection from `address`; call it on `loop`, the channel's event loop.
    public func decide(_ address: IPAddress, endpoint: NetworkEndpoint, on loop: any EventLoop) -> NetworkVerdict {
        let id = ObjectIdentifier(loop)
        if endpoint.transport == .udp, let index = loops.firstIndex(of: id) {
            return decide(address, endpoint: endpoint, state: &shards[index].value)
        }
        return shared.withLock { decide(address, endpoint: endpoint, state: &$0) }
    }

    private func decide(_ address: IPAddress, endpoint: NetworkEndpoint, state: inout ShardState) -> NetworkVerdict {
        let current = generation.load(ordering: .acquiring)
        if current != state.generation { state.adopt(published.withLock { $0 }, generation: current) }
        let now = NetworkClock.now()
        if !state.localBlocks.isEmpty, let verdict = state.localVerdict(address, endpoint: endpoint, now: now) {
            metrics.autoDefense.increment()
            return verdict
        }
        if immediateCount.load(ordering: .acquiring) > 0, !state.snapshot.isAllowed(address) {
            let unit = state.snapshot.rateUnit(of: address)
            if let block = immediate.withLock({ $0[unit] }), block.drops(endpoint.service, now: now) {
                metrics.blocked.increment()
                return .drop(.justBlocked)
            }
        }
        let evictions = state.counters.evictions
        let decision = NetworkGuard.decide(source: address, endpoint: endpoint, now: now, snapshot: state.snapshot, counters: &state.counters)
        if state.counters.evictions != evictions { metrics.evicted(state.counters.evictions - evictions) }
        if let trip = decision.trip {
            let sequence = tripSequence.add(1, ordering: .relaxed).newValue
            if !trip.monitorOnly {
                let duration = Int64(state.snapshot.settings.autoDefense.rules[trip.rule].blockDuration) * 1_000_000_000
                state.localBlocks[trip.source] = ShardState.LocalBlock(rule: trip.rule, service: endpoint.service, expiresAt: now + duration,
                                                                        sequence: sequence)
            }
            continuation.yield(.trip(trip, sequence: sequence))
        }
        switch decision.verdict {
        case .admit: metrics.admitted()
        case .drop(let reason), .reject(let reason):
            metrics.dropped(reason)
            if case .blocked(let id) = reason { state.countHit(id) }
        }
        return decision.verdict
    }

    /// Sends each shard's hit tallies as reports; call it periodically.
    public func flushHits() {
        for shard in shards {
            shard.eventLoop.execute { [continuation] in
                let hits = shard.value.takeHits()
                if !hits.isEmpty { continuation.yield(.hits(hits)) }
            }
        }
        let hits = shared.withLock { $0.takeHits() }
        if !hits.isEmpty { continuation.yield(.hits(hits)) }
    }

    public func finish() { continuation.finish() }
}

struct ShardState: Sendable {
    struct LocalBlock {
        let rule: Int
        let service: NetworkService
        let expiresAt: Int64
        let sequence: UInt64

        func drops(_ service: NetworkService, now: Int64) -> Bool { self.service.family.contains(service) && now < expiresAt }
    }

    static let maxPendingHits = 10_000

    private(set) var snapshot: NetworkSnapshot
    private(set) var generation: UInt64
    var counters: RateCounters
    /// Blocks this shard made from its own trips, until a snapshot carries them.
    var localBlocks: [IPNetwork: LocalBlock] = [:]
    private var pendingHits: [Int64: Int] = [:]

    init(snapshot: NetworkSnapshot, generation: UInt64) {
        self.snapshot = snapshot
        self.generation = generation
        counters = RateCounters(capacity: snapshot.settings.autoDefense.maxTrackedSources)
    }

    mutating func adopt(_ snapshot: NetworkSnapshot, generation: UInt64) {
        if snapshot.settings.autoDefense != self.snapshot.settings.autoDefense {
            counters = RateCounters(capacity: snapshot.settings.autoDefense.maxTrackedSources)
        }
        self.snapshot = snapshot
        self.generation = generation
        localBlocks = localBlocks.filter { $0.value.sequence > snapshot.tripsApplied }
    }

    func localVerdict(_ address: IPAddress, endpoint: NetworkEndpoint, now: Int64) -> NetworkVerdict? {
        guard !snapshot.isAllowed(address), let block = localBlocks[snapshot.rateUnit(of: address)],
              block.drops(endpoint.service, now: now) else { return nil }
        return .drop(.autoDefense(rule: block.rule))
    }

    mutating func countHit(_ id: Int64) {
        if pendingHits[id] != nil || pendingHits.count < ShardState.maxPendingHits { pendingHits[id, default: 0] += 1 }
    }

    mutating func takeHits() -> [Int64: Int] {
        defer { pendingHits = [:] }
        return pendingHits
    }
}

/// Counters for `/metrics`: what the guard admitted and dropped, by reason, and forgotten rate-tracked sources.
private struct GuardMetrics: Sendable {
    let admittedCounter = Counter(label: "portcullis_network_admitted_total")
    let staticRule = Counter(label: "portcullis_network_dropped_total", dimensions: [("reason", "static_rule")])
    let blocked = Counter(label: "portcullis_network_dropped_total", dimensions: [("reason", "blocked")])
    let country = Counter(label: "portcullis_network_dropped_total", dimensions: [("reason", "country")])
    let autoDefense = Counter(label: "portcullis_network_dropped_total", dimensions: [("reason", "auto_defense")])
    let evictions = Counter(label: "portcullis_network_tracked_sources_evicted_total")

    func admitted() { admittedCounter.increment() }

    func dropped(_ reason: NetworkReason) {
        switch reason {
        case .staticRule: staticRule.increment()
        case .blocked: blocked.increment()
        case .country: country.increment()
        case .autoDefense: autoDefense.increment()
        case .justBlocked: blocked.increment()
        }
    }

    func evicted(_ count: Int) { evictions.increment(by: count) }
}
