import Defense
import GeoIP
import NIOCore

extension IPAddress {
    /// The peer of a socket, without allocating. IPv4-mapped IPv6 peers of dual-stack sockets become IPv4, so one
    /// host has one identity whichever socket it used.
    public init?(_ socketAddress: SocketAddress) {
        // sockaddr_in keeps the address at byte 4, sockaddr_in6 at byte 8, both in network order.
        switch socketAddress {
        case .v4:
            self = .v4(socketAddress.withSockAddr { pointer, _ in
                UInt32(bigEndian: UnsafeRawPointer(pointer).loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            })
        case .v6:
            let (high, low) = socketAddress.withSockAddr { pointer, _ in
                let raw = UnsafeRawPointer(pointer)
                return (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                        UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            }
            self = high == 0 && low >> 32 == 0xFFFF ? .v4(UInt32(truncatingIfNeeded: low)) : .v6(high: high, low: low)
        case .unixDomainSocket:
            return nil
        }
    }
}
