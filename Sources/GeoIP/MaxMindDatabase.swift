import Foundation

/// A MaxMind DB (.mmdb) file in memory: the binary search tree over address bits, then the data section, then
/// metadata after the `\xAB\xCD\xEFMaxMind.com` marker (MaxMind DB File Format Specification 2.0).
public struct MaxMindDatabase: Sendable {
    public let nodeCount: Int
    public let recordSize: Int
    public let ipVersion: Int
    public let databaseType: String
    public let buildEpoch: UInt64
    private let bytes: [UInt8]
    private let treeSize: Int
    private let decoder: MaxMindDecoder
    /// Where IPv4 lookups start in an IPv6 tree (after 96 zero bits).
    private let ipv4Start: Int

    private static let marker = Array("\u{AB}\u{CD}\u{EF}MaxMind.com".unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })

    public init(path: String) throws(MaxMindDatabaseError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw MaxMindDatabaseError("cannot read \(path)") }
        try self.init(bytes: Array(data))
    }

    public init(bytes: [UInt8]) throws(MaxMindDatabaseError) {
        self.bytes = bytes
        guard let markerStart = MaxMindDatabase.lastMarker(in: bytes) else { throw MaxMindDatabaseError("no MaxMind DB metadata marker") }
        let metadataStart = markerStart + MaxMindDatabase.marker.count
        let metadata = try MaxMindDecoder(bytes: bytes, start: metadataStart, end: bytes.count).decode(at: 0)
        guard case .unsigned(let nodes)? = metadata["node_count"], case .unsigned(let record)? = metadata["record_size"],
              case .unsigned(let version)? = metadata["ip_version"]
        else { throw MaxMindDatabaseError("metadata lacks node_count, record_size or ip_version") }
        guard [24, 28, 32].contains(record) else { throw MaxMindDatabaseError("unsupported record size \(record)") }
        guard version == 4 || version == 6 else { throw MaxMindDatabaseError("unsupported ip_version \(version)") }
        guard nodes > 0, nodes < UInt64(bytes.count), Int(nodes) * Int(record) / 4 + 16 <= markerStart else {
            throw MaxMindDatabaseError("node count \(nodes) does not fit the file")
        }
        nodeCount = Int(nodes)
        recordSize = Int(record)
        ipVersion = Int(version)
        databaseType = metadata["database_type"]?.string ?? ""
        if case .unsigned(let epoch)? = metadata["build_epoch"] { buildEpoch = epoch } else { buildEpoch = 0 }
        guard buildEpoch <= 253_402_300_799 else { throw MaxMindDatabaseError("implausible build epoch \(buildEpoch) (after the year 9999)") }
        treeSize = nodeCount * recordSize / 4
        decoder = MaxMindDecoder(bytes: bytes, start: treeSize + 16, end: markerStart)
        var node = 0
        if ipVersion == 6 {
            for _ in 0..<96 where node < nodeCount { node = MaxMindDatabase.record(bytes, node: node, right: false, size: recordSize) }
        }
        ipv4Start = node
        try verify()
    }

    /// Checks the whole file once at open: every record points into the tree, at "no data", or at data that
    /// decodes. A damaged file is refused here instead of failing on some later lookup.
    private func verify() throws(MaxMindDatabaseError) {
        let dataSize = decoder.end - decoder.start
        var decoded: Set<Int> = []
        for node in 0..<nodeCount {
            for right in [false, true] {
                let record = MaxMindDatabase.record(bytes, node: node, right: right, size: recordSize)
                // The root is nobody's child; a record pointing there makes a cycle (aliases point at the IPv4 subtree).
                guard record != 0 else { throw MaxMindDatabaseError("node \(node) points back at the root") }
                if record <= nodeCount { continue }
                let offset = record - nodeCount - 16
                guard offset >= 0, offset < dataSize else {
                    throw MaxMindDatabaseError("node \(node) points at \(record), outside the data section")
                }
                if decoded.insert(offset).inserted { _ = try decoder.decode(at: offset) }
            }
        }
    }

    /// The record for the network containing `address`, or nil when the database has none.
    public func lookup(_ address: IPAddress) throws(MaxMindDatabaseError) -> MaxMindValue? {
        var node: Int
        switch address {
        case .v4: node = ipv4Start
        case .v6:
            guard ipVersion == 6 else { return nil }
            node = 0
        }
        var index = 0
        while node < nodeCount, index < address.bitCount {
            node = MaxMindDatabase.record(bytes, node: node, right: address.bit(index), size: recordSize)
            index += 1
        }
        if node == nodeCount { return nil }
        guard node > nodeCount else { throw MaxMindDatabaseError("search tree ends inside the tree for \(address)") }
        return try decoder.decode(at: node - nodeCount - 16)
    }

    private static func record(_ bytes: [UInt8], node: Int, right: Bool, size: Int) -> Int {
        let base = node * size / 4
        func read(_ offset: Int, _ count: Int) -> Int {
            (0..<count).reduce(0) { $0 << 8 | Int(bytes[base + offset + $1]) }
        }
        switch size {
        case 24: return right ? read(3, 3) : read(0, 3)
        case 28:
            let middle = Int(bytes[base + 3])
            return right ? (middle & 0x0F) << 24 | read(4, 3) : (middle & 0xF0) << 20 | read(0, 3)
        default: return right ? read(4, 4) : read(0, 4)
        }
    }

    private static func lastMarker(in bytes: [UInt8]) -> Int? {
        let count = marker.count
        guard bytes.count >= count else { return nil }
        let lowest = max(0, bytes.count - 128 * 1024)
        var index = bytes.count - count
        while index >= lowest {
            if bytes[index] == marker[0], Array(bytes[index..<(index + count)]) == marker { return index }
            index -= 1
        }
        return nil
    }
}

extension MaxMindDatabase: CountryLookup {
    /// The `country` of the record, else its `registered_country`; nil on any error.
    public func country(for address: IPAddress) -> CountryCode? {
        guard let record = try? lookup(address) else { return nil }
        let code = record["country"]?["iso_code"]?.string ?? record["registered_country"]?["iso_code"]?.string
        return code.flatMap(CountryCode.init)
    }
}
