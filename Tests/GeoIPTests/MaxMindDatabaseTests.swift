import Foundation
import GeoIP
import TestSupport
import Testing

/// The official MaxMind DB test files (Fixtures/mmdb, Apache-2.0 OR MIT, see Fixtures/mmdb/README.md).
enum Fixtures {
    static let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func files(_ folder: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: path(folder))
        return (enumerator?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".mmdb") }.sorted()
    }

    /// Every network in a source-data JSON file with its expected record.
    static func expectations(_ name: String) throws -> [(String, Any)] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("mmdb/source-data/\(name).json")))
        let entries = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return entries.flatMap { $0.map { ($0.key, $0.value) } }
    }

    static let probeAddresses = ["1.1.1.1", "::1.1.1.1", "1.1.1.3", "2001:218::1", "81.2.69.142", "0.0.0.0", "255.255.255.255", "::",
                                 "ffff::1", "2.125.160.216", "::ffff:1.2.3.4", "2a02:cf40::1"]
}

/// Compares a decoded value with what JSONSerialization made of the source data.
func matches(_ value: MaxMindValue, _ json: Any) -> Bool {
    switch value {
    case .map(let map):
        guard let object = json as? [String: Any], object.count == map.count else { return false }
        return map.allSatisfy { key, item in object[key].map { matches(item, $0) } ?? false }
    case .array(let array):
        guard let list = json as? [Any], list.count == array.count else { return false }
        return zip(array, list).allSatisfy { matches($0, $1) }
    case .string(let text): return json as? String == text
    case .boolean(let flag): return (json as? NSNumber)?.boolValue == flag
    case .unsigned(let number): return (json as? NSNumber)?.uint64Value == number
    case .int32(let number): return (json as? NSNumber)?.int64Value == Int64(number)
    case .double(let number): return abs(((json as? NSNumber)?.doubleValue ?? .nan) - number) < 1e-9
    case .float(let number): return abs(((json as? NSNumber)?.floatValue ?? .nan) - number) < 1e-6
    case .unsigned128, .bytes: return true
    }
}

@Suite("MaxMind DB reader")
struct MaxMindDatabaseTests {
    @Test(arguments: ["GeoIP2-Country-Test", "GeoLite2-Country-Test", "GeoIP2-City-Test", "GeoLite2-City-Test", "GeoLite2-ASN-Test"])
    func everyNetworkOfTheSourceDataIsFound(name: String) throws {
        let database = try MaxMindDatabase(path: Fixtures.path("mmdb/test-data/\(name).mmdb"))
        let expectations = try Fixtures.expectations(name)
        #expect(expectations.count > 100)
        for (network, expected) in expectations {
            let text = String(network.split(separator: "/")[0])
            let address = try #require(IPAddress(text), "\(network)")
            let record = try #require(try database.lookup(address), "no record for \(network)")
            #expect(matches(record, expected), "\(name) \(network)")
            if let expectedCountry = ((expected as? [String: Any])?["country"] as? [String: Any])?["iso_code"] as? String {
                #expect(database.country(for: address)?.rawValue == expectedCountry, "\(network)")
            }
        }
    }

    @Test func spotChecksFromTheDataReadme() throws {
        let country = try MaxMindDatabase(path: Fixtures.path("mmdb/test-data/GeoIP2-Country-Test.mmdb"))
        #expect(country.country(for: IPAddress("81.2.69.142")!)?.rawValue == "GB")
        #expect(country.country(for: IPAddress("2001:218::")!)?.rawValue == "JP")
        #expect(country.country(for: IPAddress("10.0.0.1")!) == nil)
        let city = try MaxMindDatabase(path: Fixtures.path("mmdb/test-data/GeoIP2-City-Test.mmdb"))
        #expect(try city.lookup(IPAddress("81.2.69.142")!)?["city"]?["names"]?["en"]?.string == "London")
    }

    @Test func everyDataTypeDecodes() throws {
        let database = try MaxMindDatabase(path: Fixtures.path("mmdb/test-data/MaxMind-DB-test-decoder.mmdb"))
        let record = try #require(try database.lookup(IPAddress("1.1.1.1")!))
        #expect(record["utf8_string"] == .string("unicode! ☯ - ♫"))
        #expect(record["uint16"] == .unsigned(100))
        #expect(record["uint32"] == .unsigned(268_435_456))
        #expect(record["uint64"] == .unsigned(1_152_921_504_606_846_976))
        #expect(record["uint128"] == .unsigned128(high: 1 << 56, low: 0))
        #expect(record["int32"] == .int32(-268_435_456))
        #expect(record["boolean"] == .boolean(true))
        #expect(record["array"] == .array([.unsigned(1), .unsigned(2), .unsigned(3)]))
        #expect(record["bytes"] == .bytes([0, 0, 0, 42]))
        #expect(record["double"] == .double(42.123456))
        #expect(record["float"] == .float(1.1))
        #expect(record["map"]?["mapX"]?["utf8_stringX"] == .string("hello"))
    }

    @Test(arguments: Fixtures.files("mmdb/test-data"))
    func everyTestDatabaseOpensOrFailsCleanly(file: String) {
        let broken = file.contains("broken") || file.contains("Broken") || file.contains("Invalid")
        do {
            let database = try MaxMindDatabase(path: Fixtures.path("mmdb/test-data/\(file)"))
            var failures = 0
            for text in Fixtures.probeAddresses {
                do { _ = try database.lookup(IPAddress(text)!) } catch { failures += 1 }
            }
            if !broken { #expect(failures == 0, "\(file)") }
        } catch {
            #expect(broken, "\(file): \(error)")
        }
    }

    /// Two files crashed libmaxminddb's metadata parser (an empty array or map as the last metadata entry) but are
    /// well-formed; a correct reader opens them and finds their one record.
    static let wellFormedDespiteTheirFolder = ["libmaxminddb/libmaxminddb-empty-array-last-in-metadata.mmdb",
                                               "libmaxminddb/libmaxminddb-empty-map-last-in-metadata.mmdb"]

    @Test(arguments: wellFormedDespiteTheirFolder)
    func metadataEndingInAnEmptyContainerIsRead(file: String) throws {
        let database = try MaxMindDatabase(path: Fixtures.path("mmdb/bad-data/\(file)"))
        #expect(try database.lookup(IPAddress("1.2.3.4")!) == .map(["ip": .string("test")]))
    }

    @Test(arguments: Fixtures.files("mmdb/bad-data").filter { !wellFormedDespiteTheirFolder.contains($0) })
    func corruptDatabasesGiveErrorsNeverCrashes(file: String) {
        var failed = false
        do {
            let database = try MaxMindDatabase(path: Fixtures.path("mmdb/bad-data/\(file)"))
            for text in Fixtures.probeAddresses + ["1.2.3.4", "::1.2.3.4", "255.255.255.254"] {
                do { _ = try database.lookup(IPAddress(text)!) } catch { failed = true }
            }
            for index in 0..<256 {
                do { _ = try database.lookup(.v4(UInt32(index) << 24 | 0x010101)) } catch { failed = true }
            }
        } catch {
            failed = true
        }
        #expect(failed, "\(file) was read without any error")
    }

    @Test func aFileThatIsNotADatabaseIsAClearError() {
        #expect(throws: MaxMindDatabaseError.self) { try MaxMindDatabase(bytes: Array("not a database".utf8)) }
        #expect(throws: MaxMindDatabaseError.self) { try MaxMindDatabase(path: "/nonexistent/GeoLite2-Country.mmdb") }
    }
}

@Suite("Tor geo-IP ranges")
struct TorGeoIPTests {
    let database = try! TorGeoIPDatabase(paths: [Fixtures.path("tor-geoip/geoip-sample"), Fixtures.path("tor-geoip/geoip6-sample")])

    @Test func samplesLoadAndAnswer() {
        #expect(database.rangeCount == 213 + 155)
        #expect(database.country(for: IPAddress("81.2.69.142")!)?.rawValue == "GB")
        #expect(database.country(for: IPAddress("8.8.8.8")!)?.rawValue == "US")
        #expect(database.country(for: IPAddress("1.1.1.1")!)?.rawValue == "AU")
        #expect(database.country(for: IPAddress("2001:218::1")!)?.rawValue == "JP")
        #expect(database.country(for: IPAddress("2001:4860:4860::8888")!)?.rawValue == "US")
        #expect(database.country(for: IPAddress("127.0.0.1")!) == nil)
    }

    @Test func nonCountryCodesAreUnknown() {
        #expect(database.country(for: .v4(15_726_995)) == nil, "?? is unknown")
        #expect(database.country(for: .v4(18_923_520)) == nil, "AP is unknown")
        #expect(database.country(for: IPAddress("2001:600::1")!) == nil, "EU is unknown")
        #expect(CountryCode("UK")?.rawValue == "GB")
        #expect(CountryCode("??") == nil && CountryCode("gb")?.rawValue == "GB" && CountryCode("GBR") == nil)
    }

    @Test func aMalformedLineNamesFileAndLine() throws {
        let file = ScratchDirectory.file("geoip-bad")
        try "# header\n16777216,16777471,AU\nnot,a range\n".write(to: file, atomically: true, encoding: .utf8)
        #expect { try TorGeoIPDatabase(paths: [file.path]) } throws: { "\($0)".contains(":3:") }
    }
}
