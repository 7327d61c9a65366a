import Foundation

/// Tor's geo-IP range files (`/usr/share/tor/geoip` and `geoip6`, Debian package tor-geoipdb): `#` comments, then
/// sorted `low,high,CC` lines, IPv4 as decimal numbers and IPv6 as addresses. Lookup is a binary search.
public struct TorGeoIPDatabase: Sendable, CountryLookup, CountryRangeListing {
    /// One family's ranges while the files are read; sorted into `SortedIntervals` at the end.
    private struct Loading<Key: FixedWidthInteger & UnsignedInteger & Sendable> {
        var ranges: [(low: Key, high: Key, country: CountryCode?)] = []

        func sorted() -> SortedIntervals<Key, CountryCode?> {
            let ordered = ranges.sorted { $0.low < $1.low }
            return SortedIntervals(lows: ordered.map(\.low), highs: ordered.map(\.high), values: ordered.map(\.country))
        }
    }

    public private(set) var v4 = SortedIntervals<UInt32, CountryCode?>()
    public private(set) var v6 = SortedIntervals<UInt128, CountryCode?>()

    public var rangeCount: Int { v4.count + v6.count }

    /// Reads one or both files; a line that does not parse is an error naming the file and line.
    public init(paths: [String]) throws(MaxMindDatabaseError) {
        var v4 = Loading<UInt32>(), v6 = Loading<UInt128>()
        for path in paths {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw MaxMindDatabaseError("cannot read \(path)") }
            try TorGeoIPDatabase.load(text, file: path, v4: &v4, v6: &v6)
        }
        self.v4 = v4.sorted()
        self.v6 = v6.sorted()
    }

    private static func load(_ text: String, file: String, v4: inout Loading<UInt32>, v6: inout Loading<UInt128>) throws(MaxMindDatabaseError) {
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 3 else { throw MaxMindDatabaseError("\(file):\(number + 1): expected low,high,CC") }
            let country = CountryCode(String(fields[2]))
            if let low = UInt32(fields[0]), let high = UInt32(fields[1]) {
                guard low <= high else { throw MaxMindDatabaseError("\(file):\(number + 1): range ends before it starts") }
                v4.ranges.append((low, high, country))
            } else if let first = IPAddress(String(fields[0])), let last = IPAddress(String(fields[1])), case .v6 = first, case .v6 = last {
                let low = first.v6Value, high = last.v6Value
                guard low <= high else { throw MaxMindDatabaseError("\(file):\(number + 1): range ends before it starts") }
                v6.ranges.append((low, high, country))
            } else {
                throw MaxMindDatabaseError("\(file):\(number + 1): bad range '\(trimmed.prefix(60))'")
            }
        }
    }

    public func country(for address: IPAddress) -> CountryCode? {
        switch address {
        case .v4(let value): v4.value(for: value) ?? nil
        case .v6: v6.value(for: address.v6Value) ?? nil
        }
    }
}

extension IPAddress: Comparable {
    /// Orders addresses of one family numerically; IPv4 sorts before IPv6.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let ah, let al), .v6(let bh, let bl)): ah < bh || (ah == bh && al < bl)
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}
