import Foundation
import Testing
@testable import Defense

struct NetworkSettingsTests {
    @Test func defaultsAreYeastarsRulesOnOurServicesAndValid() {
        let settings = NetworkSettings()
        #expect(settings.problems.isEmpty)
        let rules = settings.autoDefense.rules.map { "\($0.name) \($0.service?.rawValue ?? "-") \($0.protocol.rawValue) \($0.packets)/\($0.interval)" }
        #expect(rules == ["SIP UDP sip udp 40/2", "SIP TCP sip tcp 40/2", "HTTP api tcp 120/60", "HTTPS https tcp 120/60", "SSH ssh tcp 10/60"])
        #expect(settings.autoDefense.rules.allSatisfy { $0.enabled && !$0.monitorOnly && $0.blockDuration == 600 })
        #expect(settings.autoDefense.ipv6PrefixLength == 64)
        #expect(!settings.countries.sip.enabled && !settings.countries.api.enabled)
    }

    @Test func everyProblemIsReportedWithItsField() {
        var settings = NetworkSettings()
        settings.allow = ["10.0.0.1/8", "office.example.com", "bad_name!", "2001:db8::/129"]
        settings.rules = [StaticRule(name: "a", action: .drop, sources: ["10.0.0.0/33"]), StaticRule(name: "a", action: .accept)]
        settings.countries.sip = CountryRule(enabled: true, allow: ["ZZ", "GB"])
        settings.countries.api = CountryRule(enabled: true, allow: [])
        settings.autoDefense.rules = [
            AutoDefenseRule(name: "zero", service: .sip, protocol: .udp, packets: 0, interval: 0, blockDuration: 5),
            AutoDefenseRule(name: "both", service: .sip, ports: "5060", protocol: .udp, packets: 1, interval: 1),
            AutoDefenseRule(name: "ports", ports: "70000", protocol: .udp, packets: 1, interval: 1),
        ]
        settings.autoDefense.ipv6PrefixLength = 8
        let problems = settings.problems
        let expected = [
            "network.allow[0]: '10.0.0.1/8' has host bits set",
            "network.allow[2]: 'bad_name!' is not an address, CIDR range or domain name",
            "network.allow[3]: '2001:db8::/129': prefix length must be 0-128",
            "network.rules[0].sources[0]: '10.0.0.0/33': prefix length must be 0-32",
            "network.rules[1].name: 'a' is used twice",
            "network.countries.sip.allow: 'ZZ' is not an ISO 3166-1 country code",
            "network.countries.api: enabled with no allowed country",
            "network.autoDefense.rules[0] (zero).packets: must be 1-1000000, got 0",
            "network.autoDefense.rules[0] (zero).interval: must be 1-86400 seconds, got 0",
            "network.autoDefense.rules[0] (zero).blockDuration: must be 10-31536000 seconds, got 5",
            "network.autoDefense.rules[1] (both): give a service or ports, not both",
            "network.autoDefense.rules[2] (ports).ports: '70000' must be PORT or LOW-HIGH",
            "network.autoDefense.ipv6PrefixLength: must be 16-128",
        ]
        for prefix in expected {
            #expect(problems.contains { $0.hasPrefix(prefix) }, "missing: \(prefix)\nin: \(problems)")
        }
        #expect(problems.count == expected.count, "\(problems)")
    }

    @Test func jsonMayOmitFieldsButNotMisspellThem() throws {
        let partial = try JSONDecoder().decode(NetworkSettings.self, from: Data(#"{"allow": ["192.0.2.1"]}"#.utf8))
        #expect(partial.allow == ["192.0.2.1"] && partial.autoDefense == AutoDefenseSettings())
        let rule = try JSONDecoder().decode(NetworkSettings.self, from: Data(#"{"autoDefense": {"rules": [{"name": "x", "ports": "5060-5062", "packets": 5, "interval": 1}]}}"#.utf8))
        #expect(rule.autoDefense.rules.first?.protocol == .both && rule.autoDefense.rules.first?.portRange == 5060...5062)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(NetworkSettings.self, from: Data(#"{"alow": []}"#.utf8)) }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(NetworkSettings.self, from: Data(#"{"countries": {"sip": {"enabld": true}}}"#.utf8))
        }
        let roundTrip = try JSONDecoder().decode(NetworkSettings.self, from: JSONEncoder().encode(NetworkSettings()))
        #expect(roundTrip == NetworkSettings())
    }

    @Test func allowEntriesAreNetworksOrDomainNames() {
        #expect(NetworkSettings.allowEntry("192.0.2.0/24") == .network(try! IPNetwork(parsing: "192.0.2.0/24")))
        #expect(NetworkSettings.allowEntry("Office.Example.COM") == .domain("office.example.com"))
        #expect(NetworkSettings.allowEntry("localhost") == .domain("localhost"))
        for bad in ["-a.example.com", "1.2.3", "a..b", "exa mple.com", String(repeating: "a", count: 64) + ".com", "", "10.0.0.0/33"] {
            #expect(NetworkSettings.allowEntry(bad) == nil, "\(bad)")
        }
    }
}
