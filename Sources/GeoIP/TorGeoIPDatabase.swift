import Foundation

/// Tor's geo-IP range files (`/usr/share/tor/geoip` and `geoip6`, Debian package tor-geoipdb): `#` comments, then
/// sorted `low,high,CC` lines, IPv4 as decimal numbers and IPv6 as addresses. Lookup is a binary search.
public struct TorGeoIPDatabase: Sendable, CountryLookup {
    /// Ranges of one family as flat sorted arrays: a lookup is a binary search over integers.
    private struct Ranges<Key: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
        var lows: [Key] = []
        var highs: [Key] = []
        var countries: [CountryCode?] = []

        mutating func sort() {
            let order = lows.indices.sorted { lows[$0] < lows[$1] }
            lows = order.map { lows[$0] }
            highs = order.map { highs[$0] }
            countries = order.map { countries[$0] }
        }

        func country(for key: Key) -> CountryCode? {
            var low = 0
            var high = highs.count
            while low < high {
                let middle = (low + high) / 2
                if highs[middle] < key { low = middle + 1 } else { high = middle }
            }
            guard low < highs.count, lows[low] <= key else { return nil }
            return countries[low]
        }
    }

    private var v4 = Ranges<UInt32>()
    private var v6 = Ranges<UInt128>()

    public var rangeCount: Int { v4.lows.count + v6.lows.count }

    /// Reads one or both files; a line that does not parse is an error naming the file and line.
    public init(paths: [String]) throws(MaxMindDatabaseError) {
        for path in paths {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw MaxMindDatabaseError("cannot read \(path)") }
            try load(text, file: path)
        }
        v4.sort()
        v6.sort()
    }

    private mutating func load(_ text: String, file: String) throws(MaxMindDatabaseError) {
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 3 else { throw MaxMindDatabaseError("\(file):\(number + 1): expected low,high,CC") }
            let country = CountryCode(String(fields[2]))
            if let low = UInt32(fields[0]), let high = UInt32(fields[1]) {
                guard low <= high else { throw MaxMindDatabaseError("\(file):\(number + 1): range ends before it starts") }
                v4.lows.append(low)
                v4.highs.append(high)
                v4.countries.append(country)
            } else if let first = IPAddress(String(fields[0])), let last = IPAddress(String(fields[1])), case .v6 = first, case .v6 = last {
                let low = first.v6Value, high = last.v6Value
                guard low <= high else { throw MaxMindDatabaseError("\(file):\(number + 1): range ends before it starts") }
                v6.lows.append(low)
                v6.highs.append(high)
                v6.countries.append(country)
            } else {
                throw MaxMindDatabaseError("\(file):\(number + 1): bad range '\(trimmed.prefix(60))'")
            }
        }
    }

    public func country(for address: IPAddress) -> CountryCode? {
        switch address {
        case .v4(let value): v4.country(for: value)
        case .v6: v6.country(for: address.v6Value)
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
