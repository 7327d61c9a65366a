@testable import PBX
import Defense
import Foundation
import Model
import NIOCore
import SIPCore
import SIPStack
import Storage
import Testing

@Suite("Call routing")
struct CallRoutingTests {
    static let routing = RoutingSettings().with { $0.trunks = [TrunkSettings(name: "carrier", host: "192.0.2.10:5060", username: "acct", password: "secret"),
                 TrunkSettings(name: "backup", host: "192.0.2.20:5080")]
        $0.routes = [OutboundRoute(name: "emergency", patterns: [RoutePattern(pattern: "112")], trunks: ["backup"]),
                 OutboundRoute(name: "international", patterns: [RoutePattern(pattern: "900.", strip: 1)], trunks: ["carrier", "backup"],
                               extensions: ["1001"]),
                 OutboundRoute(name: "national", patterns: [RoutePattern(pattern: "9[1-9].", strip: 1, prepend: "0")], trunks: ["carrier"])]
        $0.inboundRoutes = [InboundRoute(name: "main", did: "44207946012X", extension: "1002")]
    }

    @Test func theRoutingTableCompilesRoutesAndTrunkLimitsIntoThePolicy() {
        var routing = Self.routing
        routing.trunks[0].maxCalls = 1
        var policy = OutboundPolicySettings()
        policy.countries.allowed = ["GB"]
        let table = RoutingTable(routing, policy: policy)
        func decide(_ dialed: String, caller: String, state: OutboundCallState = OutboundCallState()) -> CallVerdict {
            table.policy.decide(CallPolicy.Attempt(caller: caller, rules: ExtensionCallRules(), dialed: dialed, defaultMaxDuration: 60), state: state, now: Date())
        }
        guard case .allow(let international) = decide("900442079460000", caller: "1001") else {
            Issue.record("1001 may call abroad")
            return
        }
        #expect(international.route == "international" && international.number == "00442079460000" && international.trunks == ["carrier", "backup"])
        guard case .refuse(let refusal) = decide("900442079460000", caller: "1002") else {
            Issue.record("1002 may not")
            return
        }
        #expect(refusal.rule == .notPermitted)
        guard case .allow(let national) = decide("92079460000", caller: "1002") else {
            Issue.record("national calls are open")
            return
        }
        #expect(national.number == "02079460000")
        var state = OutboundCallState()
        state.trunkCallStarted("carrier", outbound: true)
        guard case .refuse(let busy) = decide("92079460000", caller: "1002", state: state) else {
            Issue.record("the national route's only trunk is full")
            return
        }
        #expect(busy.rule == .trunksBusy)
        guard case .allow(let emergency) = decide("112", caller: "1002") else {
            Issue.record("112 always goes out")
            return
        }
        #expect(emergency.emergency && emergency.route == "emergency")
        #expect(table.inbound("442079460123")?.extension == "1002" && table.inbound("4420794601") == nil)
        #expect(table.trunk(from: "192.0.2.20")?.settings.name == "backup" && table.trunk(from: "192.0.2.99") == nil)
    }

    @Test func thePINPromptAnswersWithTheCallersG711AndOffersTheTrunkTheSame() throws {
        let offer = Array("v=0\r\no=a 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 9 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n".utf8)
        let codecs = try #require(PINPrompt.codecs(offer))
        #expect(codecs.audio == 8 && codecs.dtmf == 101)
        let answer = try SessionDescription(parsing: PINPrompt.offer(host: "203.0.113.1", port: 10_000, PINCollection(route: "r", audioPayloadType: 8, dtmfPayloadType: 101)))
        #expect(answer.media.first?.formats == ["8", "101"] && answer.media.first?.port == 10_000 && answer.connection?.address == "203.0.113.1")
        #expect(PINPrompt.codecs(Array("v=0\r\no=a 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 9\r\n".utf8)) == nil)
    }

    @Test func routingProblemsNameTheirTrunkOrRoute() {
        var bad = Self.routing
        bad.routes.append(OutboundRoute(name: "bad route", patterns: [RoutePattern(pattern: "9.x")], trunks: ["nowhere"], extensions: ["7"]))
        bad.trunks.append(TrunkSettings(name: "carrier", host: "no-port"))
        let problems = bad.problems(extensions: ["1001", "1002"])
        for expected in ["route 'bad route': names are", "'.' may only end", "no trunk named 'nowhere'", "no extension 7",
                         "trunk 'carrier' is defined twice", "host must be HOST:PORT"] {
            #expect(problems.contains { $0.contains(expected) }, "\(expected) in \(problems)")
        }
        #expect(Self.routing.problems(extensions: ["1001", "1002"]).isEmpty)
    }

    @Test func theCallerHearsBusyIfAnyContactWasBusy() {
        #expect(CallState.callerStatus([487, 486, 408]) == 486)
        #expect(CallState.callerStatus([408, 487]) == 480)
        #expect(CallState.callerStatus([408, 404]) == 404)
    }

    @Test func theRelayRewritesTheOfferAndRefusesWhatItDoesNotRelay() throws {
        let offer = Array("v=0\r\no=a 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\n".utf8)
        #expect(CallMedia.audioTarget(offer)?.host == "10.0.0.5" && CallMedia.audioTarget(offer)?.port == 4000)
        let rewritten = try #require(CallMedia.rewrite(offer, host: "203.0.113.1", port: 10_002))
        let sdp = try SessionDescription(parsing: rewritten)
        #expect(sdp.connection?.address == "203.0.113.1")
        #expect(sdp.media.map(\.port) == [10_002, 0], "video is refused: only audio is relayed")
        #expect(CallMedia.rewrite(Array("not sdp".utf8), host: "203.0.113.1", port: 1) == nil)
    }

    @Test func aBindingSourceNamesTheFlowBack() {
        let binding = Binding(aor: "1001", contact: "sip:1001@10.0.0.5:5062", expiresAt: .distantFuture, callID: "c", cseq: 1,
                              source: "udp:[2001:db8::1]:5062", transport: "UDP", userAgent: nil, updatedAt: .distantPast)
        let peer = SIPPeer(binding: binding)
        #expect(peer?.ip == "2001:db8::1" && peer?.port == 5062 && peer?.transport == .udp)
    }
}
