@testable import PBX
import Foundation
import Model
import SIPStack
import Testing

struct ClusterViewTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func node(_ name: String, _ address: String, beat: TimeInterval = 0, stopped: Bool = false) -> ClusterNode {
        ClusterNode(name: name, address: address, version: "1", startedAt: now.addingTimeInterval(-60), heartbeatAt: now.addingTimeInterval(-beat),
                    stoppedAt: stopped ? now : nil)
    }

    @Test func liveNodesAreRelayedToMissingOnesReleasedAndStoppedOnesLeftAlone() {
        let view = PBXRuntime.view(of: [node("a", "udp:127.0.0.51:5060"), node("b", "udp:127.0.0.52:5070"), node("c", "udp:127.0.0.53:5060", beat: 30),
                                        node("d", "udp:127.0.0.54:5060", stopped: true), node("e", "not an address"), node("f", "udp:0.0.0.0:5060", beat: 7)],
                                   except: "a", now: now)
        #expect(view.peers.mapValues { "\($0.transport.rawValue) \($0.ip):\($0.port)" } == ["b": "UDP 127.0.0.52:5070"], "a live node with an address")
        #expect(view.missing == ["c": now.addingTimeInterval(-30), "f": now.addingTimeInterval(-7)])
    }
}
