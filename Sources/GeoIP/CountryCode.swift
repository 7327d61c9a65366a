/// An ISO 3166-1 alpha-2 country code, upper case. Geo-IP sources use a few codes that are not countries:
/// `UK` means GB; `??`, `EU`, `AP` (and anything not two letters) mean "unknown".
public struct CountryCode: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    /// Nil for codes that name no country.
    public init?(_ text: String) {
        let upper = text.uppercased()
        guard upper.count == 2, upper.allSatisfy({ $0 >= "A" && $0 <= "Z" }), !["EU", "AP"].contains(upper) else { return nil }
        rawValue = upper == "UK" ? "GB" : upper
    }

    public var description: String { rawValue }
    public static func < (lhs: CountryCode, rhs: CountryCode) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Anything that maps an address to a country.
public protocol CountryLookup: Sendable {
    func country(for address: IPAddress) -> CountryCode?
}
