#if canImport(Glibc)
import Glibc
#endif
@testable import Media
import Testing

@Suite("Media latching")
struct MediaPeerTests {
    private func address(_ host: String, _ port: Int) -> MediaAddress { MediaAddress(host: host, port: port)! }

    @Test func addressesCompareAsTheKernelWritesThem() throws {
        var storage = sockaddr_storage()
        #expect(address("192.0.2.1", 5_004).write(to: &storage, family: AF_INET) == socklen_t(MemoryLayout<sockaddr_in>.size))
        // sockaddr_in: family, port (network order), address.
        let bytes = withUnsafeBytes(of: storage) { Array($0.prefix(8)) }
        #expect(bytes == [UInt8(AF_INET), 0, 0x13, 0x8c, 192, 0, 2, 1])
        #expect(MediaAddress(&storage) == address("192.0.2.1", 5_004), "read back as written")
        #expect(address("::ffff:192.0.2.1", 5_004) == address("192.0.2.1", 5_004), "a dual-stack socket's IPv4 source")
        #expect(address("2001:db8::1", 5_004).write(to: &storage, family: AF_INET) == nil, "no IPv6 peer on an IPv4 socket")
        #expect(address("2001:db8::1", 5_004).write(to: &storage, family: AF_INET6) != nil && MediaAddress(&storage) == address("2001:db8::1", 5_004))
        #expect(MediaAddress(host: "pbx.example", port: 5_004) == nil && MediaAddress(host: "192.0.2.1", port: 70_000) == nil)
        #expect(address("192.0.2.1", 65_535).port(plus: 1) == nil && address("192.0.2.1", 5_004).port(plus: 1) == address("192.0.2.1", 5_005))
    }

    @Test func aSideLatchesToTheFirstSourceOnANamedHostAndKeepsIt() {
        var peer = MediaPeer()
        #expect(peer.admit(address("192.0.2.1", 5_004), rtcp: false) == .drop, "nothing named yet")
        peer.name(declared: address("192.0.2.1", 5_004), signalling: address("198.51.100.7", 0))
        #expect(peer.destination(rtcp: false) == address("192.0.2.1", 5_004) && peer.destination(rtcp: true) == address("192.0.2.1", 5_005))
        #expect(peer.admit(address("203.0.113.9", 5_004), rtcp: false) == .drop, "a host nobody named")
        #expect(peer.admit(address("198.51.100.7", 40_000), rtcp: false) == .latch, "the signalling host, behind NAT on another port")
        #expect(peer.destination(rtcp: false) == address("198.51.100.7", 40_000))
        #expect(peer.admit(address("198.51.100.7", 40_000), rtcp: false) == .pass)
        #expect(peer.admit(address("198.51.100.7", 40_002), rtcp: false) == .drop, "the same host's other port")
        #expect(peer.admit(address("192.0.2.1", 5_004), rtcp: false) == .drop, "the SDP's address once latched elsewhere")
        #expect(peer.destination(rtcp: true) == address("192.0.2.1", 5_005), "RTCP latches on its own")
        #expect(peer.admit(address("192.0.2.1", 5_005), rtcp: true) == .latch && peer.destination(rtcp: true) == address("192.0.2.1", 5_005))
        peer.name(declared: address("192.0.2.50", 6_000), signalling: nil)
        #expect(peer.destination(rtcp: false) == address("198.51.100.7", 40_000), "a new SDP does not move a latch")
    }
}
