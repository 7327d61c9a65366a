import Defense
@testable import DefenseRuntime
import GeoIP
import Testing

struct AllowListResolverTests {
    @Test func namesAreResolvedAndAddressesKept() async throws {
        let (networks, unresolved) = await AllowListResolver.resolve(["localhost", "192.0.2.0/24"])
        #expect(networks.contains(try IPNetwork(parsing: "127.0.0.1")))
        #expect(networks.contains(try IPNetwork(parsing: "192.0.2.0/24")))
        #expect(unresolved.isEmpty)
    }
}
