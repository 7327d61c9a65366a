import Model
import NIOCore
import SIPCore
import SIPStack
import Storage

extension SIPRequest {
    /// The CSeq number of a request we built ourselves.
    var cseqNumber: UInt32 { (try? cseq())?.sequence ?? 1 }
}

extension SIPPeer {
    /// Where a binding's device is reached: the source its REGISTER came from (`udp:1.2.3.4:5060`).
    init?(binding: Binding) {
        let parts = binding.source.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let transport = SIPTransportKind(rawValue: parts[0].uppercased()) else { return nil }
        let rest = String(parts[1])
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) else { return nil }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        guard let address = try? SocketAddress(ipAddress: host, port: port) else { return nil }
        self.init(address: address, transport: transport)
    }
}
