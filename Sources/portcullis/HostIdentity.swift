import Foundation
import GeoIP

/// The names and addresses this host answers to, for the admin listener's self-signed certificate.
enum HostIdentity {
    /// `localhost`, the host name and a listen name; loopback addresses, the listen address, or every interface's
    /// address when listening on all of them.
    static func names(listenHost: String) -> (names: [String], addresses: [IPAddress]) {
        var names = ["localhost"]
        let hostName = ProcessInfo.processInfo.hostName
        if !hostName.isEmpty, IPAddress(hostName) == nil, !names.contains(hostName) { names.append(hostName) }
        var addresses = [IPAddress("127.0.0.1")!, IPAddress("::1")!]
        if let address = IPAddress(listenHost) {
            if listenHost == "0.0.0.0" || listenHost == "::" { addresses += interfaceAddresses() } else { addresses.append(address) }
        } else if !names.contains(listenHost) {
            names.append(listenHost)
        }
        var seen = Set<IPAddress>()
        return (names, addresses.filter { seen.insert($0).inserted })
    }

    private static func interfaceAddresses() -> [IPAddress] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var found: [IPAddress] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let length = address.pointee.sa_family == sa_family_t(AF_INET6) ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
            guard [sa_family_t(AF_INET), sa_family_t(AF_INET6)].contains(address.pointee.sa_family),
                  getnameinfo(address, socklen_t(length), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: "%").first.map(String.init) ?? ""
            if let parsed = IPAddress(text) { found.append(parsed) }
        }
        return found
    }
}
