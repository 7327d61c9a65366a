import Foundation
import GeoIP
import TestSupport
import Testing
@testable import Defense

/// Countries by address, for tests.
struct FixedCountries: CountryLookup {
    let table: [IPAddress: String]
    func country(for address: IPAddress) -> CountryCode? { table[address].flatMap(CountryCode.init) }
}

struct NetworkGuardTests {
    static let second: Int64 = 1_000_000_000
    let sipUDP = NetworkEndpoint(service: .sip, transport: .udp, port: 5060)
    let api = NetworkEndpoint(service: .api, transport: .tcp, port: 8088)

    func address(_ text: String) -> IPAddress { IPAddress(text)! }

    func decide(_ source: String, _ endpoint: NetworkEndpoint, at now: Int64 = 0, _ snapshot: NetworkSnapshot,
                _ counters: inout RateCounters) -> NetworkDecision {
        NetworkGuard.decide(source: address(source), endpoint: endpoint, now: now, snapshot: snapshot, counters: &counters)
    }

    @Test func theSIPRuleBlocksThe41stPacketWithinTwoSecondsAndReportsOnce() {
        let snapshot = NetworkSnapshot(settings: NetworkSettings(), allow: [], blocks: [], countries: nil)
        var counters = RateCounters(capacity: 100)
        for packet in 1...40 {
            #expect(decide("198.51.100.7", sipUDP, at: Int64(packet) * 40_000_000, snapshot, &counters) == .admit)
        }
        let trip = decide("198.51.100.7", sipUDP, at: 1_700_000_000, snapshot, &counters)
        #expect(trip.verdict == .drop(.autoDefense(rule: 0)))
        #expect(trip.trip?.source.description == "198.51.100.7" && trip.trip?.packets == 41 && trip.trip?.monitorOnly == false)
        #expect(decide("198.51.100.7", sipUDP, at: 1_800_000_000, snapshot, &counters).trip == nil)
        // Another source and another service are counted apart.
        #expect(decide("198.51.100.8", sipUDP, at: 1_800_000_000, snapshot, &counters) == .admit)
        #expect(decide("198.51.100.7", api, at: 1_800_000_000, snapshot, &counters) == .admit)
    }

    @Test func theAdminListenerIsOneServiceForBlocksAndRulesButEachSchemeHasItsRate() {
        let https = NetworkEndpoint(service: .https, transport: .tcp, port: 8088)
        var settings = NetworkSettings()
        settings.rules = [StaticRule(name: "office only", action: .reject, sources: ["203.0.113.0/24"], services: [.api])]
        let blocks = [ActiveBlock(id: 1, network: try! IPNetwork(parsing: "198.51.100.1/32"), services: NetworkService.api.family, expiresAt: .max)]
        let snapshot = NetworkSnapshot(settings: settings, allow: [], blocks: blocks, countries: nil)
        var counters = RateCounters(capacity: 100)
        #expect(decide("198.51.100.1", https, snapshot, &counters).verdict != .admit)  // a login block (service api) holds on HTTPS
        #expect(decide("198.51.100.1", sipUDP, snapshot, &counters).verdict == .admit)
        #expect(decide("203.0.113.5", https, snapshot, &counters).verdict != .admit)  // a rule for the API covers HTTPS
        // The HTTPS rule (120 in 60 s) counts the HTTPS listener; the HTTP rule the plain one, apart.
        let rules = settings.autoDefense.rules
        let httpsRule = try! #require(rules.firstIndex { $0.name == "HTTPS" })
        for packet in 1...120 { #expect(decide("198.51.100.2", https, at: Int64(packet), snapshot, &counters) == .admit) }
        #expect(decide("198.51.100.2", api, at: 200, snapshot, &counters) == .admit)
        #expect(decide("198.51.100.2", https, at: 300, snapshot, &counters).verdict == .drop(.autoDefense(rule: httpsRule)))
    }

    @Test func aSteadyRateUnderTheLimitIsNeverBlocked() {
        let snapshot = NetworkSnapshot(settings: NetworkSettings(), allow: [], blocks: [], countries: nil)
        var counters = RateCounters(capacity: 100)
        // 19 packets a second (a busy phone) for a minute: the sliding window never sees more than 40 in 2 s.
        for packet in 0..<(19 * 60) {
            let now = Int64(packet) * NetworkGuardTests.second / 19
            #expect(decide("198.51.100.9", sipUDP, at: now, snapshot, &counters) == .admit)
        }
        // A burst straddling a window edge is still seen: 30 just before it and 30 just after.
        _ = decide("198.51.100.10", sipUDP, at: 0, snapshot, &counters)
        for packet in 0..<30 { _ = decide("198.51.100.10", sipUDP, at: 1_900_000_000 + Int64(packet), snapshot, &counters) }
        let after = (0..<30).map { decide("198.51.100.10", sipUDP, at: 2_000_000_000 + Int64($0), snapshot, &counters) }
        #expect(after.contains { $0.trip != nil })
    }

    @Test func monitorOnlyReportsWithoutDropping() {
        var settings = NetworkSettings()
        settings.autoDefense.rules[0].monitorOnly = true
        let snapshot = NetworkSnapshot(settings: settings, allow: [], blocks: [], countries: nil)
        var counters = RateCounters(capacity: 100)
        let decisions = (0..<50).map { decide("198.51.100.7", sipUDP, at: Int64($0), snapshot, &counters) }
        #expect(decisions.allSatisfy { $0.verdict == .admit })
        #expect(decisions.compactMap(\.trip).count == 1 && decisions.compactMap(\.trip).first?.monitorOnly == true)
    }

    @Test func ipv6SourcesAreCountedPerSlash64() {
        let snapshot = NetworkSnapshot(settings: NetworkSettings(), allow: [], blocks: [], countries: nil)
        var counters = RateCounters(capacity: 100)
        var last = NetworkDecision(verdict: .admit, trip: nil)
        for host in 1...41 { last = decide("2001:db8:0:1::\(String(host, radix: 16))", sipUDP, at: Int64(host), snapshot, &counters) }
        #expect(last.trip?.source.description == "2001:db8:0:1::/64")
        #expect(decide("2001:db8:0:2::1", sipUDP, at: 50, snapshot, &counters) == .admit)
    }

    @Test func theAllowListWinsOverEverything() throws {
        var settings = NetworkSettings()
        settings.rules = [StaticRule(name: "drop all", action: .drop)]
        settings.countries.sip = CountryRule(enabled: true, allow: ["DE"])
        let allowed = try IPNetwork(parsing: "203.0.113.0/24")
        let block = ActiveBlock(id: 1, network: try IPNetwork(parsing: "203.0.113.5"), services: .all, expiresAt: .max)
        let snapshot = NetworkSnapshot(settings: settings, allow: [allowed], blocks: [block], countries: FixedCountries(table: [:]))
        var counters = RateCounters(capacity: 100)
        for packet in 0..<500 { #expect(decide("203.0.113.5", sipUDP, at: Int64(packet), snapshot, &counters) == .admit) }
        #expect(counters.count == 0)
    }

    @Test func staticRulesApplyInOrderBySourceAndService() throws {
        var settings = NetworkSettings()
        settings.rules = [
            StaticRule(name: "partner", action: .accept, sources: ["198.51.100.0/24"], services: [.sip]),
            StaticRule(name: "no api from partners", action: .reject, sources: ["198.51.100.0/24"], services: [.api]),
            StaticRule(name: "bogons", action: .drop, sources: ["0.0.0.0/8", "240.0.0.0/4"]),
        ]
        let block = ActiveBlock(id: 9, network: try IPNetwork(parsing: "198.51.100.0/24"), services: .all, expiresAt: .max)
        let snapshot = NetworkSnapshot(settings: settings, allow: [], blocks: [block], countries: nil)
        var counters = RateCounters(capacity: 100)
        #expect(decide("198.51.100.1", sipUDP, snapshot, &counters) == .admit)
        #expect(decide("198.51.100.1", api, snapshot, &counters).verdict == .reject(.staticRule(index: 1)))
        #expect(decide("240.1.2.3", sipUDP, snapshot, &counters).verdict == .drop(.staticRule(index: 2)))
        #expect(decide("203.0.113.1", sipUDP, snapshot, &counters) == .admit)
    }

    @Test func blocksApplyToTheirServicesUntilTheyExpire() throws {
        let blocks = [
            ActiveBlock(id: 1, network: try IPNetwork(parsing: "192.0.2.1"), services: ServiceSet([.sip]), expiresAt: 10 * NetworkGuardTests.second),
            ActiveBlock(id: 2, network: try IPNetwork(parsing: "2001:db8:5:6::/64"), services: .all, expiresAt: .max),
            ActiveBlock(id: 3, network: try IPNetwork(parsing: "198.18.0.0/15"), services: .all, expiresAt: .max),
        ]
        let snapshot = NetworkSnapshot(settings: NetworkSettings(), allow: [], blocks: blocks, countries: nil)
        var counters = RateCounters(capacity: 100)
        #expect(decide("192.0.2.1", sipUDP, at: 0, snapshot, &counters).verdict == .drop(.blocked(id: 1)))
        #expect(decide("192.0.2.1", api, at: 0, snapshot, &counters) == .admit)
        #expect(decide("192.0.2.1", sipUDP, at: 10 * NetworkGuardTests.second, snapshot, &counters) == .admit)
        #expect(decide("2001:db8:5:6:aaaa::1", api, snapshot, &counters).verdict == .drop(.blocked(id: 2)))
        #expect(decide("2001:db8:5:7::1", api, snapshot, &counters) == .admit)
        #expect(decide("198.19.255.255", sipUDP, snapshot, &counters).verdict == .drop(.blocked(id: 3)))
    }

    @Test func theCountryRuleDropsOtherAndUnknownCountriesButNotExemptRanges() {
        var settings = NetworkSettings()
        settings.countries.sip = CountryRule(enabled: true, allow: ["GB", "IE"])
        let countries = FixedCountries(table: [address("81.2.69.142"): "UK", address("1.1.1.1"): "AU", address("10.0.0.5"): "FR"])
        let snapshot = NetworkSnapshot(settings: settings, allow: [], blocks: [], countries: countries)
        var counters = RateCounters(capacity: 100)
        #expect(decide("81.2.69.142", sipUDP, snapshot, &counters) == .admit)
        #expect(decide("1.1.1.1", sipUDP, snapshot, &counters).verdict == .drop(.country(CountryCode("AU"))))
        #expect(decide("203.0.113.1", sipUDP, snapshot, &counters).verdict == .drop(.country(nil)))
        #expect(decide("10.0.0.5", sipUDP, snapshot, &counters) == .admit)
        #expect(decide("127.0.0.1", sipUDP, snapshot, &counters) == .admit)
        #expect(decide("1.1.1.1", api, snapshot, &counters) == .admit)
        // With no database at all the rule fails closed.
        let blind = NetworkSnapshot(settings: settings, allow: [], blocks: [], countries: nil)
        #expect(decide("81.2.69.142", sipUDP, blind, &counters).verdict == .drop(.country(nil)))
    }

    @Test func trackedSourcesAreCappedAndTheOldestForgotten() {
        let snapshot = NetworkSnapshot(settings: NetworkSettings(), allow: [], blocks: [], countries: nil)
        var counters = RateCounters(capacity: 1_000)
        for host in 0..<5_000 { _ = decide("10.\(host / 65_536).\(host / 256 % 256).\(host % 256)", sipUDP, snapshot, &counters) }
        #expect(counters.count == 1_000 && counters.evictions == 4_000)
    }

    @Test func escalationGrowsAndEndsInAPermanentBlock() {
        let escalation = AutoDefenseSettings.Escalation()
        #expect((1...5).map { escalation.duration(base: 600, offense: $0) } == [600, 2_400, 9_600, nil, nil])
        #expect((1...5).map { escalation.duration(base: 600, offense: $0, permanent: false) } == [600, 2_400, 9_600, 9_600, 9_600],
                "forgeable evidence never blocks for good")
        var never = escalation
        never.permanentAfter = 0
        #expect(never.duration(base: 600, offense: 40) == 31_536_000)
    }

    @Test func portRulesMatchOnlyTheirPortsAndProtocol() {
        var settings = NetworkSettings()
        settings.autoDefense.rules = [AutoDefenseRule(name: "alt", ports: "5070-5080", protocol: .tcp, packets: 2, interval: 10)]
        let snapshot = NetworkSnapshot(settings: settings, allow: [], blocks: [], countries: nil)
        var counters = RateCounters(capacity: 100)
        let tcp5075 = NetworkEndpoint(service: .sip, transport: .tcp, port: 5075)
        #expect((0..<10).allSatisfy { decide("192.0.2.1", sipUDP, at: Int64($0), snapshot, &counters) == .admit })
        #expect((0..<3).map { decide("192.0.2.1", tcp5075, at: Int64($0), snapshot, &counters).trip != nil } == [false, false, true])
    }
}

/// The compiled path (range blocks, exempt ranges and a country rule folded into one table) must decide exactly
/// like looking each piece up on its own.
struct CompiledVerdictTests {
    struct PointLookup: CountryLookup {
        let base: TorGeoIPDatabase
        func country(for address: IPAddress) -> CountryCode? { base.country(for: address) }
    }

    @Test func compiledTablesDecideLikeSeparateLookups() throws {
        let path = ScratchDirectory.file("tor").path
        try """
            # test ranges
            16777216,16777471,AU
            16777472,16778239,CN
            167772160,184549375,FR
            1357971456,1358004223,GB
            1358004224,1358036991,UK
            2001:218::,2001:218:ffff:ffff:ffff:ffff:ffff:ffff,JP
            2a00::,2a00:00ff:ffff:ffff:ffff:ffff:ffff:ffff,GB

            """.write(toFile: path, atomically: true, encoding: .utf8)
        let tor = try TorGeoIPDatabase(paths: [path])
        var settings = NetworkSettings()
        settings.countries.sip = CountryRule(enabled: true, allow: ["GB", "JP"])
        settings.countries.api = CountryRule(enabled: true, allow: ["AU"])
        settings.countries.exempt = ["10.1.0.0/16", "2a00:10::/32"]
        let blocks = try [
            ActiveBlock(id: 1, network: IPNetwork(parsing: "80.241.0.0/16"), services: ServiceSet([.sip]), expiresAt: .max),
            ActiveBlock(id: 2, network: IPNetwork(parsing: "80.241.80.0/24"), services: .all, expiresAt: 5),
            ActiveBlock(id: 3, network: IPNetwork(parsing: "1.0.0.0/25"), services: ServiceSet([.api]), expiresAt: .max),
            ActiveBlock(id: 4, network: IPNetwork(parsing: "10.1.2.0/24"), services: .all, expiresAt: .max),
            ActiveBlock(id: 5, network: IPNetwork(parsing: "80.241.81.7"), services: .all, expiresAt: .max),
            ActiveBlock(id: 6, network: IPNetwork(parsing: "2001:218:0:1::/64"), services: .all, expiresAt: .max),
            ActiveBlock(id: 7, network: IPNetwork(parsing: "2001:218:1::/48"), services: ServiceSet([.sip]), expiresAt: .max),
        ]
        let compiled = NetworkSnapshot(settings: settings, allow: [], blocks: blocks, countries: tor)
        let separate = NetworkSnapshot(settings: settings, allow: [], blocks: blocks, countries: PointLookup(base: tor))
        let addresses = ["1.0.0.1", "1.0.0.200", "1.0.1.1", "10.0.0.1", "10.1.0.1", "10.1.2.3", "10.2.0.0", "80.241.0.0",
                         "80.241.80.5", "80.241.81.7", "80.241.81.8", "80.241.255.255", "80.242.0.1", "81.0.0.1", "0.0.0.0",
                         "255.255.255.255", "2001:218::1", "2001:218:0:1::5", "2001:218:1::9", "2a00::1", "2a00:10::1",
                         "2a00:11::1", "2c0f::1", "::1"]
        for service in [NetworkService.sip, .api, .https, .ssh] {
            for now in [Int64(0), 10] {
                for text in addresses {
                    let endpoint = NetworkEndpoint(service: service, transport: .tcp, port: 5060)
                    var first = RateCounters(capacity: 100), second = RateCounters(capacity: 100)
                    let a = NetworkGuard.decide(source: IPAddress(text)!, endpoint: endpoint, now: now, snapshot: compiled, counters: &first)
                    let b = NetworkGuard.decide(source: IPAddress(text)!, endpoint: endpoint, now: now, snapshot: separate, counters: &second)
                    #expect(a == b, "\(service) \(text) at \(now)")
                }
            }
        }
        // Spot checks that the table is not trivially empty.
        var counters = RateCounters(capacity: 100)
        let sip = NetworkEndpoint(service: .sip, transport: .udp, port: 5060)
        #expect(NetworkGuard.decide(source: IPAddress("80.241.0.9")!, endpoint: sip, now: 0, snapshot: compiled, counters: &counters).verdict
                == .drop(.blocked(id: 1)))
        #expect(NetworkGuard.decide(source: IPAddress("80.241.255.1")!, endpoint: NetworkEndpoint(service: .api, transport: .tcp, port: 1),
                                    now: 0, snapshot: compiled, counters: &counters).verdict == .drop(.country(CountryCode("GB"))))
        #expect(NetworkGuard.decide(source: IPAddress("10.1.9.9")!, endpoint: sip, now: 0, snapshot: compiled, counters: &counters) == .admit)
    }
}
