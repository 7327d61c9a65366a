import Defense
import DefenseRuntime
import GeoIP
import NIOCore
import SIPStack

/// Puts the network guard in front of the SIP listeners: every datagram, connection and stream message is
/// decided as service `sip` before it is parsed.
struct SIPNetworkAdmission: SIPAdmissionControl {
    let shards: NetworkGuardShards

    func admit(_ peer: SocketAddress, transport: SIPTransportKind, localPort: Int, on loop: any EventLoop) -> SIPAdmission {
        guard let address = IPAddress(peer) else { return .admit }
        let endpoint = NetworkEndpoint(service: .sip, transport: transport == .udp ? .udp : .tcp, port: localPort)
        switch shards.decide(address, endpoint: endpoint, on: loop) {
        case .admit: return .admit
        case .drop: return .drop
        case .reject: return .reject
        }
    }
}
