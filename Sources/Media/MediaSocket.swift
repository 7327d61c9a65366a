import CMediaSockets
#if canImport(Glibc)
import Glibc
#endif

/// The relay's UDP sockets, made with the system calls themselves: the relay's loop reads and writes them in batches
/// without a channel per socket.
enum MediaSocket {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A non-blocking UDP socket bound to `host`:`port` (a literal; "0.0.0.0" and "::" are every interface).
    static func bind(host: String, port: Int) throws(Failure) -> Int32 {
        guard let address = MediaAddress(host: host, port: port) else {
            throw Failure(description: "the media host \(host.prefix(64)) is not an IP address")
        }
        let family = address.family
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var storage = sockaddr_storage()
        let length = address.write(to: &storage, family: family) ?? 0
        let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) } }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "bind \(port): \(reason)")
        }
        return fd
    }

    /// Associates the socket with one peer: the kernel then drops every other source's packets before the relay
    /// sees them, and sends to it without a route lookup per packet.
    static func connect(_ fd: Int32, to peer: MediaAddress, family: Int32) -> Bool {
        var storage = sockaddr_storage()
        guard let length = peer.write(to: &storage, family: family) else { return false }
        return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) } } == 0
    }

    /// Undoes `connect`: the socket takes packets from anyone again (checked by the relay).
    static func disconnect(_ fd: Int32) {
        _ = CMediaSockets_disconnect(fd)
    }
}
