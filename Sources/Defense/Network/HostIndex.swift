/// An immutable open-addressing hash table from host keys to their block entries, each entry stored inline beside
/// its key so a lookup among a million blocks costs one cache line, behind a one-bit-per-bucket filter (16 bits per
/// key, about 6% false positives) small enough to stay in cache: most sources are not blocked and never reach the
/// table, which is why it can run three quarters full. The standard Dictionary's seeded hashing and separate
/// key and value storage cost several cache misses per packet here.
struct HostIndex<Key: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    /// Entry fields first so the key packs into the padding: 24 bytes a slot for IPv4.
    private struct Slot: Sendable {
        var entry: BlockEntry
        var key: Key
    }

    private var slots: [Slot] = []
    private var mask = 0
    private var filter: [UInt64] = []
    private var filterMask = 0
    private(set) var count = 0

    init() {}

    /// Later entries for the same key replace earlier ones.
    init(_ entries: [(key: Key, entry: BlockEntry)]) {
        guard !entries.isEmpty else { return }
        var capacity = 16
        while capacity * 3 < entries.count * 4 { capacity <<= 1 }
        slots = [Slot](repeating: Slot(entry: .empty, key: 0), count: capacity)
        mask = capacity - 1
        var bits = 64
        while bits < entries.count * 16 { bits <<= 1 }
        filter = [UInt64](repeating: 0, count: bits / 64)
        filterMask = bits - 1
        for (key, entry) in entries {
            let bit = HostIndex.filterHash(key) & filterMask
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
            var index = HostIndex.hash(key) & mask
            while !slots[index].entry.isEmpty && slots[index].key != key { index = (index + 1) & mask }
            if slots[index].entry.isEmpty { count += 1 }
            slots[index] = Slot(entry: entry, key: key)
        }
    }

    func entry(for key: Key) -> BlockEntry? {
        guard count > 0 else { return nil }
        let bit = HostIndex.filterHash(key) & filterMask
        guard filter[bit >> 6] & (1 << UInt64(bit & 63)) != 0 else { return nil }
        var index = HostIndex.hash(key) & mask
        while true {
            let slot = slots[index]
            if slot.entry.isEmpty { return nil }
            if slot.key == key { return slot.entry }
            index = (index + 1) & mask
        }
    }

    /// Fibonacci hashing of the key folded to 64 bits: cheap, and spreads sequential addresses.
    private static func hash(_ key: Key) -> Int {
        Int(truncatingIfNeeded: (fold(key) &* 0x9E37_79B9_7F4A_7C15) >> 20)
    }

    /// Independent of `hash`, so filter collisions and table collisions do not coincide.
    private static func filterHash(_ key: Key) -> Int {
        Int(truncatingIfNeeded: (fold(key) &* 0xD6E8_FEB8_6659_FD93) >> 24)
    }

    private static func fold(_ key: Key) -> UInt64 {
        var folded = UInt64(truncatingIfNeeded: key)
        if Key.bitWidth > 64 { folded ^= UInt64(truncatingIfNeeded: key >> 64) }
        return folded
    }
}
