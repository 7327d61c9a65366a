import Foundation

/// Tor's geo-IP range files (`/usr/share/tor/geoip` and `geoip6`, Debian package tor-geoipdb): `#` comments, then
/// sorted `low,high,CC` lines, IPv4 as decimal numbers and IPv6 as addresses. Lookup is a binary search.
public struct TorGeoIPDatabase: Sendable, CountryLookup {
    private struct Range: Sendable {
        let low: IPAddress
        let high: IPAddress
        let country: CountryCode?
    }

    private var v4: [Range] = []
    private var v6: [Range] = []

    public var rangeCount: Int { v4.count + v6.count }

    /// Reads one or both files; a line that does not parse is an error naming the file and line.
    public init(paths: [String]) throws(MaxMindDatabaseError) {
        for path in paths {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw MaxMindDatabaseError("cannot read \(path)") }
            try load(text, file: path)
        }
        v4.sort { $0.low < $1.low }
        v6.sort { $0.low < $1.low }
    }

    private mutating func load(_ text: String, file: String) throws(MaxMindDatabaseError) {
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 3 else { throw MaxMindDatabaseError("\(file):\(number + 1): expected low,high,CC") }
            let range: Range
            if let low = UInt32(fields[0]), let high = UInt32(fields[1]) {
                range = Range(low: .v4(low), high: .v4(high), country: CountryCode(String(fields[2])))
            } else if let low = IPAddress(String(fields[0])), let high = IPAddress(String(fields[1])), case .v6 = low, case .v6 = high {
                range = Range(low: low, high: high, country: CountryCode(String(fields[2])))
            } else {
                throw MaxMindDatabaseError("\(file):\(number + 1): bad range '\(trimmed.prefix(60))'")
            }
            guard !(range.high < range.low) else { throw MaxMindDatabaseError("\(file):\(number + 1): range ends before it starts") }
            if case .v4 = range.low { v4.append(range) } else { v6.append(range) }
        }
    }

    public func country(for address: IPAddress) -> CountryCode? {
        let ranges: [Range]
        if case .v4 = address { ranges = v4 } else { ranges = v6 }
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].high < address {
                low = middle + 1
            } else {
                high = middle
            }
        }
        guard low < ranges.count, !(address < ranges[low].low) else { return nil }
        return ranges[low].country
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
