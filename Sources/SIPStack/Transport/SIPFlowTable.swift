import NIOCore
import Synchronization

/// The ways out of the server: its UDP sockets and the open TCP/TLS connections by remote address. A request the
/// PBX starts (an INVITE to a registered phone, a BYE) goes out on the flow the device registered over, so it passes
/// the device's NAT and reaches a phone whose connection is the only way in (RFC 5626's idea, without the
/// extension). Bounded by what the listeners accept.
public final class SIPFlowTable: Sendable {
    private struct Tables {
        var datagram: [any Channel] = []
        var streams: [String: any Channel] = [:]
    }

    private let tables = Mutex(Tables())

    public init() {}

    func add(datagram channel: any Channel) {
        tables.withLock { $0.datagram.append(channel) }
    }

    func remove(datagram channel: any Channel) {
        tables.withLock { $0.datagram.removeAll { $0 === channel } }
    }

    func add(stream channel: any Channel, peer: SIPPeer) {
        tables.withLock { $0.streams[SIPFlowTable.key(peer)] = channel }
    }

    func remove(stream channel: any Channel, peer: SIPPeer) {
        tables.withLock { tables in
            let key = SIPFlowTable.key(peer)
            if tables.streams[key] === channel { tables.streams[key] = nil }
        }
    }

    /// A replier that sends to `peer`, or nil when no flow reaches it (its connection closed, or no UDP socket of
    /// its address family).
    public func replier(to peer: SIPPeer) -> SIPReplier? {
        let channel: (any Channel)? = tables.withLock { tables in
            switch peer.transport {
            case .udp: tables.datagram.first { $0.localAddress?.protocol == peer.address.protocol }
            case .tcp, .tls: tables.streams[SIPFlowTable.key(peer)]
            }
        }
        return channel.map { SIPReplier(channel: $0, peer: peer) }
    }

    public var connectionCount: Int { tables.withLock { $0.streams.count } }

    private static func key(_ peer: SIPPeer) -> String { "\(peer.transport.rawValue):\(peer.ip):\(peer.port)" }
}
