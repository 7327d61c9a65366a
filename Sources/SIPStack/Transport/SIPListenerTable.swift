import NIOCore
import Synchronization

/// The bound SIP sockets, kept current when one is reopened, with their states for `/healthz`.
public final class SIPListenerTable: Sendable {
    struct Entry: Sendable {
        var address: SIPListenAddress
        var transport: SIPTransportKind
        var channel: any Channel
        var status: SIPListenerStatus
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    public var statuses: [SIPListenerStatus] { entries.withLock { $0.map(\.status) } }

    /// Every listener is listening.
    public var allListening: Bool { entries.withLock { $0.allSatisfy { $0.status.state == .listening } } }

    var channels: [any Channel] { entries.withLock { $0.map(\.channel) } }

    func add(_ address: SIPListenAddress, transport: SIPTransportKind, channel: any Channel) {
        let bound = SIPListenAddress(host: address.host, port: channel.localAddress?.port ?? address.port, transports: [transport])
        let status = SIPListenerStatus(transport: transport.rawValue.lowercased(),
                                       address: "\(channel.localAddress?.ipAddress ?? address.host):\(bound.port)",
                                       state: .listening, reopened: 0)
        entries.withLock { $0.append(Entry(address: bound, transport: transport, channel: channel, status: status)) }
    }

    func entry(_ index: Int) -> Entry { entries.withLock { $0[index] } }

    func reopened(_ index: Int, channel: any Channel) {
        entries.withLock { entries in
            entries[index].channel = channel
            entries[index].status.reopened += 1
            entries[index].status.state = .listening
        }
    }

    func closed(_ index: Int) {
        entries.withLock { $0[index].status.state = .closed }
    }
}
