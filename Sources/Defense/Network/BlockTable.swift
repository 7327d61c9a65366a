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

/// The block list in lookup form: single hosts and IPv6 /64s in hash tables (the bulk of automatic blocks), other
/// ranges in a `RangeTable`. A lookup is at most two hash probes and one binary search.
struct BlockTable: Sendable {
    struct Entry: Sendable {
        let id: Int64
        let services: ServiceSet
        let expiresAt: Int64

        func applies(to service: NetworkService, now: Int64) -> Bool { services.contains(service) && now < expiresAt }
    }

    private var entries: [Entry] = []
    private var hosts: [UInt128: Int32] = [:]
    private var prefixes64: [UInt64: Int32] = [:]
    private var ranges = RangeTable()

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
        entries = merged.map { Entry(id: $0.id, services: $0.services, expiresAt: $0.expiresAt) }
        var rangeList: [(bounds: ClosedRange<UInt128>, value: Int32)] = []
        hosts.reserveCapacity(merged.count)
        for (position, block) in merged.enumerated() {
            let network = block.network, slot = Int32(position)
            if network.isHost {
                hosts[network.address.v6Value] = slot
            } else if network.prefixLength == 64, case .v6 = network.address {
                prefixes64[UInt64(truncatingIfNeeded: network.address.v6Value >> 64)] = slot
            } else {
                rangeList.append((network.bounds, slot))
            }
        }
        ranges = RangeTable(rangeList)
    }

    var count: Int { entries.count }

    func match(_ key: UInt128, isV6: Bool, service: NetworkService, now: Int64) -> Entry? {
        if let slot = hosts[key], entries[Int(slot)].applies(to: service, now: now) { return entries[Int(slot)] }
        if isV6, !prefixes64.isEmpty, let slot = prefixes64[UInt64(truncatingIfNeeded: key >> 64)],
           entries[Int(slot)].applies(to: service, now: now) {
            return entries[Int(slot)]
        }
        if ranges.count > 0, let slot = ranges.value(for: key), entries[Int(slot)].applies(to: service, now: now) {
            return entries[Int(slot)]
        }
        return nil
    }
}
