import GeoIP
import NIOCore
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
        let ranges = try [("10.0.0.0/8", 1), ("10.1.0.0/16", 2), ("10.1.2.3", 3), ("192.168.0.0/16", 4), ("::/0", 5)].map {
            (try IPNetwork(parsing: $0.0).bounds, Int32($0.1))
        }
        let table = RangeTable(ranges)
        func value(_ text: String) -> Int32? { table.value(for: IPAddress(text)!.v6Value) }
        #expect(value("10.0.0.1") == 1 && value("10.255.255.255") == 1)
        #expect(value("10.1.0.0") == 2 && value("10.1.2.2") == 2 && value("10.1.2.4") == 2)
        #expect(value("10.1.2.3") == 3)
        #expect(value("192.168.7.7") == 4)
        // IPv4 lives in ::ffff:0:0/96, inside ::/0, so outside 10/8 and 192.168/16 the catch-all answers.
        #expect(value("11.0.0.0") == 5 && value("2001:db8::1") == 5 && value("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 5)
        #expect(RangeTable([]).value(for: 0) == nil)
    }

    @Test func socketAddressesBecomeAddressesWithMappedIPv4Unwrapped() throws {
        #expect(IPAddress(try .init(ipAddress: "192.0.2.1", port: 5060)) == IPAddress("192.0.2.1"))
        #expect(IPAddress(try .init(ipAddress: "::ffff:192.0.2.1", port: 5060)) == IPAddress("192.0.2.1"))
        #expect(IPAddress(try .init(ipAddress: "2001:db8::5", port: 5060)) == IPAddress("2001:db8::5"))
    }
}
