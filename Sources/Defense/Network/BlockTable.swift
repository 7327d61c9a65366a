import GeoIP

/// A block as the guard needs it on the hot path: where, which services, until when. The full record (who, why,
/// hits) stays in the store.
public struct ActiveBlock: Sendable, Equatable {
    public var id: Int64
    public var network: IPNetwork
    public var services: ServiceSet
    /// Nanoseconds since 1970; `Int64.max` for a permanent block.
    public var expiresAt: Int64

    public init(id: Int64, network: IPNetwork, services: ServiceSet, expiresAt: Int64) {
        self.id = id
        self.network = network
        self.services = services
        self.expiresAt = expiresAt
    }
}

/// One block as a lookup answers it.
struct BlockEntry: Sendable {
    let expiresAt: Int64
    let id: Int64
    let services: ServiceSet

    /// No service at all marks a free hash slot.
    static let empty = BlockEntry(expiresAt: 0, id: 0, services: ServiceSet(rawValue: 0))
    var isEmpty: Bool { services.rawValue == 0 }

    func applies(to service: NetworkService, now: Int64) -> Bool { services.contains(service) && now < expiresAt }
}

/// The block list in lookup form: IPv4 hosts, IPv6 hosts and IPv6 /64s (the bulk of automatic blocks) in hash
/// indexes, other ranges in a `RangeTable`. A lookup is at most two filtered hash probes and one indexed binary search.
struct BlockTable: Sendable {
    private var v4Hosts = HostIndex<UInt32>()
    private var v6Hosts = HostIndex<UInt128>()
    private var v6Prefixes = HostIndex<UInt64>()
    /// Blocks of whole ranges: the value is an index into `rangeEntries`.
    private(set) var ranges = RangeTable()
    private var rangeEntries: [BlockEntry] = []
    private(set) var count = 0

    init() {}

    /// Blocks of the same network merge: the union of their services, the latest expiry, the first id.
    init(_ blocks: [ActiveBlock]) {
        var index: [IPNetwork: Int] = [:]
        var merged: [ActiveBlock] = []
        merged.reserveCapacity(blocks.count)
        for block in blocks {
            if let existing = index[block.network] {
                merged[existing].services.formUnion(block.services)
                merged[existing].expiresAt = max(merged[existing].expiresAt, block.expiresAt)
            } else {
                index[block.network] = merged.count
                merged.append(block)
            }
        }
        count = merged.count
        var v4: [(key: UInt32, entry: BlockEntry)] = [], v6: [(key: UInt128, entry: BlockEntry)] = []
        var prefixes: [(key: UInt64, entry: BlockEntry)] = [], rangeList: [(network: IPNetwork, value: Int32)] = []
        for block in merged {
            let network = block.network, entry = BlockEntry(expiresAt: block.expiresAt, id: block.id, services: block.services)
            switch network.address {
            case .v4(let value) where network.isHost: v4.append((value, entry))
            case .v6 where network.isHost: v6.append((network.address.v6Value, entry))
            case .v6(let high, _) where network.prefixLength == 64: prefixes.append((high, entry))
            default:
                rangeList.append((network, Int32(rangeEntries.count)))
                rangeEntries.append(entry)
            }
        }
        v4Hosts = HostIndex(v4)
        v6Hosts = HostIndex(v6)
        v6Prefixes = HostIndex(prefixes)
        ranges = RangeTable(rangeList)
    }

    func match(_ address: IPAddress, service: NetworkService, now: Int64) -> BlockEntry? {
        if let entry = hostMatch(address, service: service, now: now) { return entry }
        guard !ranges.isEmpty, let slot = ranges.value(for: address) else { return nil }
        return rangeMatch(slot, service: service, now: now)
    }

    /// Blocks of single hosts and IPv6 /64s only.
    func hostMatch(_ address: IPAddress, service: NetworkService, now: Int64) -> BlockEntry? {
        switch address {
        case .v4(let value):
            if let entry = v4Hosts.entry(for: value), entry.applies(to: service, now: now) { return entry }
        case .v6(let high, let low):
            if let entry = v6Hosts.entry(for: UInt128(high) << 64 | UInt128(low)), entry.applies(to: service, now: now) { return entry }
            if let entry = v6Prefixes.entry(for: high), entry.applies(to: service, now: now) { return entry }
        }
        return nil
    }

    /// The range block at `slot` (a value of `ranges`), when it applies.
    func rangeMatch(_ slot: Int32, service: NetworkService, now: Int64) -> BlockEntry? {
        rangeEntries[Int(slot)].applies(to: service, now: now) ? rangeEntries[Int(slot)] : nil
    }
}
