#if canImport(Glibc)
import Glibc
#endif

/// A UDP peer's address as the relay compares and copies it once per packet: no allocation, no string. IPv4 is kept
/// in its IPv6-mapped form (`::ffff:a.b.c.d`), so a packet that reached a dual-stack socket equals the IPv4 address
/// its SDP named.
struct MediaAddress: Hashable, Sendable {
    /// The 16 address bytes, network order, as two words.
    var high: UInt64
    var low: UInt64
    /// Host byte order.
    var port: UInt16

    /// A literal IPv4 or IPv6 address (no name lookup); nil for anything else.
    init?(host: String, port: Int) {
        guard (0...65_535).contains(port) else { return nil }
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            self.init(ipv4: v4, port: UInt16(port))
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            self.init(ipv6: v6, port: UInt16(port))
        } else {
            return nil
        }
    }

    /// What the kernel wrote as a datagram's source; nil for a family other than IPv4 and IPv6.
    init?(_ storage: UnsafePointer<sockaddr_storage>) {
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            let address = UnsafeRawPointer(storage).load(as: sockaddr_in.self)
            self.init(ipv4: address.sin_addr, port: UInt16(bigEndian: address.sin_port))
        case AF_INET6:
            let address = UnsafeRawPointer(storage).load(as: sockaddr_in6.self)
            self.init(ipv6: address.sin6_addr, port: UInt16(bigEndian: address.sin6_port))
        default:
            return nil
        }
    }

    private init(ipv4: in_addr, port: UInt16) {
        high = 0
        // ::ffff:a.b.c.d: the word's bytes in memory are 00 00 ff ff a b c d.
        low = UInt64(bigEndian: 0x0000_FFFF_0000_0000 | UInt64(UInt32(bigEndian: ipv4.s_addr)))
        self.port = port
    }

    private init(ipv6: in6_addr, port: UInt16) {
        (high, low) = withUnsafeBytes(of: ipv6) { ($0.load(as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self)) }
        self.port = port
    }

    var isIPv4: Bool { high == 0 && UInt64(bigEndian: low) >> 32 == 0x0000_FFFF }

    /// The family of a socket bound to this address.
    var family: Int32 { isIPv4 ? AF_INET : AF_INET6 }

    /// The same host, whatever the port.
    func sameHost(as other: MediaAddress) -> Bool { high == other.high && low == other.low }

    /// This address `offset` ports up (RTCP beside RTP); nil past 65535.
    func port(plus offset: Int) -> MediaAddress? {
        guard Int(port) + offset <= 65_535 else { return nil }
        var moved = self
        moved.port = UInt16(Int(port) + offset)
        return moved
    }

    /// Writes the address for a socket of `family`; answers its length, or nil when an IPv4 socket cannot reach it.
    func write(to storage: UnsafeMutablePointer<sockaddr_storage>, family: Int32) -> socklen_t? {
        let raw = UnsafeMutableRawPointer(storage)
        if family == AF_INET {
            guard isIPv4 else { return nil }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(truncatingIfNeeded: UInt64(bigEndian: low)).bigEndian
            raw.storeBytes(of: address, as: sockaddr_in.self)
            return socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        withUnsafeMutableBytes(of: &address.sin6_addr) {
            $0.storeBytes(of: high, as: UInt64.self)
            $0.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
        }
        raw.storeBytes(of: address, as: sockaddr_in6.self)
        return socklen_t(MemoryLayout<sockaddr_in6>.size)
    }
}
