import Foundation

/// E.164 country calling codes by region (ISO 3166 code), and NANP area codes by region, from the bundled
/// libphonenumber-derived tables. Calling codes are prefix-free, so the first 1-3 digits after the international
/// prefix name one code; within code 1 the area code tells the NANP countries apart.
public struct CallingCodes: Sendable {
    /// Region to calling code (`GB` -> `44`, `BS` -> `1`).
    public let codeByRegion: [String: String]
    /// Calling code to the regions sharing it.
    public let regionsByCode: [String: [String]]
    /// NANP area code to region (`242` -> `BS`).
    public let regionByAreaCode: [String: String]
    /// Region to its English name (`GB` -> `United Kingdom`), for lists people choose from.
    public let nameByRegion: [String: String]

    public init(countries: String, areaCodes: String) {
        var codeByRegion: [String: String] = [:]
        var regionsByCode: [String: [String]] = [:]
        var nameByRegion: [String: String] = [:]
        for line in countries.split(separator: "\n").dropFirst() {
            guard let region = line.split(separator: ",").first, let code = line.split(separator: ",").last else { continue }
            let trimmedCode = code.trimmingCharacters(in: .whitespacesAndNewlines)
            codeByRegion[String(region)] = trimmedCode
            nameByRegion[String(region)] = line.dropFirst(region.count + 1).dropLast(code.count + 1)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            regionsByCode[trimmedCode, default: []].append(String(region))
        }
        var regionByAreaCode: [String: String] = [:]
        for line in areaCodes.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",")
            guard fields.count >= 2 else { continue }
            regionByAreaCode[String(fields[0])] = String(fields[1])
        }
        self.codeByRegion = codeByRegion
        self.regionsByCode = regionsByCode
        self.regionByAreaCode = regionByAreaCode
        self.nameByRegion = nameByRegion
    }

    /// The tables shipped with Portcullis. Without them no number maps to a country: every country rule refuses
    /// international calls and every country list is invalid (closed, not open); `serve` refuses to start.
    public static let bundled: CallingCodes = {
        CallingCodes(countries: bundledText("country-calling-codes") ?? "", areaCodes: bundledText("nanp-area-codes") ?? "")
    }()

    /// Why the shipped tables cannot be used, or nil.
    public static var bundledProblem: String? {
        let missing = [("country-calling-codes", bundled.codeByRegion.isEmpty), ("nanp-area-codes", bundled.regionByAreaCode.isEmpty)]
        return missing.first { $0.1 }.map { "the bundled \($0.0).csv is missing from the Defense resources" }
    }

    private static func bundledText(_ name: String) -> String? {
        Bundle.module.url(forResource: name, withExtension: "csv").flatMap { try? String(contentsOf: $0, encoding: .utf8) }
    }

    /// Where an international number (digits after the prefix) goes: its calling code, and for NANP numbers the
    /// region of the area code (nil for an area code of no country: toll-free, premium, unassigned).
    public func destination(of digits: Substring) -> (code: String, region: String?)? {
        for length in 1...3 where digits.count >= length {
            let code = String(digits.prefix(length))
            guard let regions = regionsByCode[code] else { continue }
            if code == "1" { return (code, regionByAreaCode[String(digits.dropFirst().prefix(3))]) }
            return (code, regions.count == 1 ? regions[0] : nil)
        }
        return nil
    }
}
