import GeoIP
import Testing
@testable import Defense

struct IPNetworkTests {
    @Test func parsesAddressesAndRanges() throws {
        #expect(try IPNetwork(parsing: "192.0.2.0/24").description == "192.0.2.0/24")
        #expect(try IPNetwork(parsing: "192.0.2.7").description == "192.0.2.7")
        #expect(try IPNetwork(parsing: "2001:db8::/32").description == "2001:db8::/32")
        #expect(try IPNetwork(parsing: "::/0").prefixLength == 0)
        #expect(try IPNetwork(parsing: "0.0.0.0/0").contains(IPAddress("203.0.113.9")!))
    }

    @Test func refusesWhatIsNotARangeWithAReason() {
        func reason(_ text: String) -> String? {
            do throws(NetworkInputError) {
                _ = try IPNetwork(parsing: text)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(reason("10.0.0.0/33")?.contains("prefix length must be 0-32") == true)
        #expect(reason("10.0.0.1/8")?.contains("host bits set; the range starts at 10.0.0.0/8") == true)
        #expect(reason("300.1.1.1")?.contains("not an IP address") == true)
        #expect(reason("2001:db8::/129")?.contains("0-128") == true)
        #expect(reason("10.0.0.0/x") != nil && reason("") != nil && reason("/8") != nil)
    }

    @Test func containsOnlyItsOwnFamilyAndRange() throws {
        let network = try IPNetwork(parsing: "10.1.0.0/16")
        #expect(network.contains(IPAddress("10.1.255.255")!))
        #expect(!network.contains(IPAddress("10.2.0.0")!))
        let v6 = try IPNetwork(parsing: "2001:db8:1::/48")
        #expect(v6.contains(IPAddress("2001:db8:1:ffff::1")!))
        #expect(!v6.contains(IPAddress("2001:db8:2::1")!))
        #expect(!v6.contains(IPAddress("10.1.0.1")!))
    }

    @Test func rangeTableLetsTheMostSpecificBlockWin() throws {
        let networks = try [("10.0.0.0/8", 1), ("10.1.0.0/16", 2), ("10.1.2.3", 3), ("192.168.0.0/16", 4), ("::/0", 5), ("0.0.0.0/0", 6)]
            .map { (try IPNetwork(parsing: $0.0), Int32($0.1)) }
        let table = RangeTable(networks)
        func value(_ text: String) -> Int32? { table.value(for: IPAddress(text)!) }
        #expect(value("10.0.0.1") == 1 && value("10.255.255.255") == 1)
        #expect(value("10.1.0.0") == 2 && value("10.1.2.2") == 2 && value("10.1.2.4") == 2)
        #expect(value("10.1.2.3") == 3)
        #expect(value("192.168.7.7") == 4)
        #expect(value("11.0.0.0") == 6 && value("255.255.255.255") == 6 && value("0.0.0.0") == 6)
        #expect(value("2001:db8::1") == 5 && value("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 5)
        #expect(RangeTable([]).value(for: IPAddress("10.0.0.1")!) == nil)
    }

    @Test func priorityTablesGiveTheFirstCoveringRule() throws {
        let networks = try [("0.0.0.0/0", 3), ("10.0.0.0/8", 1), ("10.1.0.0/16", 2), ("10.1.0.0/16", 0), ("2001:db8::/32", 4)]
            .map { (try IPNetwork(parsing: $0.0), Int32($0.1)) }
        let table = RangeTable(priority: networks)
        func value(_ text: String) -> Int32? { table.value(for: IPAddress(text)!) }
        #expect(value("10.1.2.3") == 0 && value("10.2.0.0") == 1 && value("11.0.0.0") == 3 && value("9.255.255.255") == 3)
        #expect(value("2001:db8:ffff::1") == 4 && value("2001:db9::") == nil)
    }

    @Test func largeTablesAreIndexedAndStillExact() throws {
        // 5,000 scattered /24s force the top-16-bit index; every edge must still answer right.
        let networks = (0..<5_000).map { index in
            (IPNetwork(containing: .v4(UInt32(index) &* 2_654_435_761 & 0xFFFF_FF00), prefixLength: 24), Int32(index))
        }
        let table = RangeTable(networks)
        for (network, value) in networks.prefix(500) {
            guard case .v4(let low) = network.address else { continue }
            #expect(table.value(for: .v4(low)) == value && table.value(for: .v4(low | 0xFF)) == value)
        }
        let hosts = HostIndex<UInt32>((0..<100_000).map { (UInt32($0) &* 7_919, BlockEntry(expiresAt: .max, id: Int64($0), services: .all)) })
        #expect(hosts.count == 100_000 && hosts.entry(for: 7_919 * 777)?.id == 777 && hosts.entry(for: 3) == nil)
        #expect((0..<100_000).allSatisfy { hosts.entry(for: UInt32($0) &* 7_919)?.id == Int64($0) })
    }
}
