/// An ISO 3166-1 alpha-2 country code, upper case. Geo-IP sources use a few codes that are not countries:
/// `UK` means GB; `??`, `EU`, `AP` (and anything not two letters) mean "unknown".
/// Kept as two packed bytes so comparing and hashing on the per-packet path is integer work.
public struct CountryCode: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let packed: UInt16

    /// Nil for codes that name no country.
    public init?(_ text: String) {
        let upper = Array(text.uppercased().utf8)
        guard upper.count == 2, upper.allSatisfy({ (65...90).contains($0) }), upper != Array("EU".utf8), upper != Array("AP".utf8) else {
            return nil
        }
        packed = upper == Array("UK".utf8) ? UInt16(71) << 8 | 66 : UInt16(upper[0]) << 8 | UInt16(upper[1])
    }

    /// The code is an assigned ISO 3166-1 country (or XK, Kosovo, which geo-IP sources use): configuration refuses
    /// anything else so a typo cannot silently allow or block nobody.
    public var isAssigned: Bool { CountryCode.assigned.contains(packed) }

    /// ISO 3166-1 alpha-2 as listed by Debian iso-codes 4.15.0, plus XK.
    private static let assigned: Set<UInt16> = Set("""
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
        CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO
        FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE
        JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO
        MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
        PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM
        TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { CountryCode(String($0))?.packed })

    public var rawValue: String { String(decoding: [UInt8(packed >> 8), UInt8(packed & 0xFF)], as: UTF8.self) }
    public var description: String { rawValue }
    public static func < (lhs: CountryCode, rhs: CountryCode) -> Bool { lhs.packed < rhs.packed }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let code = CountryCode(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a country code"))
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Anything that maps an address to a country.
public protocol CountryLookup: Sendable {
    func country(for address: IPAddress) -> CountryCode?
}

/// A lookup that can also list its ranges, so a country rule can be compiled into "allowed" ranges ahead of time.
public protocol CountryRangeListing: CountryLookup {
    var v4: SortedIntervals<UInt32, CountryCode?> { get }
    var v6: SortedIntervals<UInt128, CountryCode?> { get }
}
