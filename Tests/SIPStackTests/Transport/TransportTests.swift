import NIOCore
import SIPCore
import SIPStack
import Testing

@Suite("Listen addresses and response routing")
struct TransportTests {
    @Test func listenAddressForms() throws {
        #expect(try SIPListenAddress(parsing: "127.0.0.1:5060") == SIPListenAddress(host: "127.0.0.1", port: 5060))
        #expect(try SIPListenAddress(parsing: "[::1]:5070").host == "::1")
        #expect(try SIPListenAddress(parsing: "tls:0.0.0.0:5061").transports == [.tls])
        #expect(try SIPListenAddress(parsing: "udp:[::]:5060").transports == [.udp])
        for bad in ["", "5060", "host:", "host:0", "host:70000", "[::1:5060", "sctp:1.2.3.4:5"] {
            #expect(throws: SIPListenAddressError.self, "\(bad)") { try SIPListenAddress(parsing: bad) }
        }
    }

    @Test func responsesFollowRportOrTheViaPort() throws {
        let source = try SocketAddress(ipAddress: "192.0.2.10", port: 40000)
        let withRport = try Via(parsing: "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKa;rport")
        #expect(SIPReplier.destination(via: withRport, source: source) == source)
        let withoutRport = try Via(parsing: "SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bKa")
        #expect(SIPReplier.destination(via: withoutRport, source: source) == (try SocketAddress(ipAddress: "192.0.2.10", port: 5062)))
        let defaultPort = try Via(parsing: "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKa")
        #expect(SIPReplier.destination(via: defaultPort, source: source).port == 5060)
    }

    @Test(arguments: ["0.0.0.0", "1.2.3.4", "10.0.100.9", "127.0.0.1", "192.168.255.250", "255.255.255.255", "::1", "2001:db8::7"])
    func peerAddressTextMatchesNIOs(_ ip: String) throws {
        let address = try SocketAddress(ipAddress: ip, port: 5060)
        let peer = SIPPeer(address: address, transport: .udp)
        #expect(peer.ip == address.ipAddress)
        #expect(peer.ip == ip)
    }
}
