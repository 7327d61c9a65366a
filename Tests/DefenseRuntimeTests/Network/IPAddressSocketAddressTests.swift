import DefenseRuntime
import GeoIP
import NIOCore
import Testing

struct IPAddressSocketAddressTests {
    @Test func socketAddressesBecomeAddressesWithMappedIPv4Unwrapped() throws {
        #expect(IPAddress(try .init(ipAddress: "192.0.2.1", port: 5060)) == IPAddress("192.0.2.1"))
        #expect(IPAddress(try .init(ipAddress: "::ffff:192.0.2.1", port: 5060)) == IPAddress("192.0.2.1"))
        #expect(IPAddress(try .init(ipAddress: "2001:db8::5", port: 5060)) == IPAddress("2001:db8::5"))
    }
}
