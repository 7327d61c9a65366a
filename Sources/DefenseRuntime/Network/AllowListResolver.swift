import Defense
import Foundation
import GeoIP

/// Turns the allow list into networks, resolving domain names (A and AAAA) off the event loops.
enum AllowListResolver {
    /// Every entry as networks; a name that does not resolve contributes nothing (and is reported).
    static func resolve(_ entries: [String]) async -> (networks: [IPNetwork], unresolved: [String]) {
        var networks: [IPNetwork] = []
        var unresolved: [String] = []
        for entry in entries {
            switch NetworkSettings.allowEntry(entry) {
            case .network(let network): networks.append(network)
            case .domain(let name):
                let addresses = await lookup(name)
                if addresses.isEmpty { unresolved.append(name) }
                networks += addresses.map { IPNetwork(containing: $0, prefixLength: $0.bitCount) }
            case nil: unresolved.append(entry)
            }
        }
        return (networks, unresolved)
    }

    private static func lookup(_ name: String) async -> [IPAddress] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_family = AF_UNSPEC
                hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
                var result: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(name, nil, &hints, &result) == 0 else {
                    continuation.resume(returning: [])
                    return
                }
                defer { freeaddrinfo(result) }
                var addresses: [IPAddress] = []
                var cursor = result
                while let info = cursor {
                    var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                    if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0,
                       let address = IPAddress(String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)),
                       !addresses.contains(address) {
                        addresses.append(address)
                    }
                    cursor = info.pointee.ai_next
                }
                continuation.resume(returning: addresses)
            }
        }
    }
}
