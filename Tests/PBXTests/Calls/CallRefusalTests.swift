@testable import PBX
@testable import SIPStack
import Defense
import Events
import Foundation
import Logging
import Model
import NIOCore
import NIOEmbedded
import SIPAuth
import SIPCore
import Synchronization
import Testing

@Suite("Call refusals")
struct CallRefusalTests {
    @Test func everyRefusalHasOneStatusDispositionWarningEventAndFrequencyRule() {
        let policyEvents: [CallRule: String] = [.countryDisallowed: "Outbound Call to a Disallowed Country",
                                                .frequencyExceeded: "Outbound Call Frequency Exceeded",
                                                .blockedNumber: "Outbound Call to a Blocked Number", .wrongPIN: "Outbound Call PIN Failed"]
        for reason in CallRefusalReason.allCases {
            #expect((400...599).contains(reason.status), "\(reason)")
            switch reason {
            case .policy(let rule):
                #expect(reason.status == (rule == .noRoute ? 404 : rule == .trunksBusy ? 503 : 403), "\(rule)")
                #expect(reason.disposition == (rule == .noRoute ? .failed : .refused), "\(rule)")
                #expect(reason.countsTowardsFrequency == (rule != .noRoute && rule != .extensionLocked), "\(rule)")
                #expect(reason.event?.name == policyEvents[rule], "\(rule)")
                #expect(reason.isPolicyDecision && reason.warns)
            default:
                #expect(!reason.countsTowardsFrequency && reason.event == nil, "\(reason)")
            }
        }
        // Nothing that would tell a scanner which numbers are extensions.
        #expect(!CallRefusalReason.notAnExtension.warns && !CallRefusalReason.notRegistered.warns && !CallRefusalReason.loop.warns)
        #expect(Set(CallRefusalReason.allCases.map { "\($0)" }).count == CallRule.allCases.count + 14)
    }

    final class Recorder: Sendable {
        let records = Mutex<[CallDetailRecord]>([])
        let events = Mutex<[PortcullisEvent]>([])
    }

    /// A router with extension 1001 (the caller) and 1002 (no device), a route `9.` with a blocked number and a route
    /// `8.` with a PIN, and a trunk whose DID 4420 reaches 1002; no media relay.
    func router(maxCalls: Int = 10, _ recorder: Recorder) throws -> CallRouter {
        let directory = ExtensionDirectory([ExtensionRecord(number: "1001", displayName: nil, ha1MD5: "", ha1SHA256: "", createdAt: Date(), updatedAt: Date()),
                                            ExtensionRecord(number: "1002", displayName: nil, ha1MD5: "", ha1SHA256: "", createdAt: Date(), updatedAt: Date())])
        let router = CallRouter(settings: CallSettings().with { $0.maxCalls = maxCalls }, location: LocationService(), directory: directory,
                                flows: SIPFlowTable(), secrets: SecretBox(key: Array(repeating: 1, count: 32)), logger: Logger(label: "test"),
                                onEnded: { record in recorder.records.withLock { $0.append(record) } },
                                onEvent: { event in recorder.events.withLock { $0.append(event) } })
        let routing = RoutingSettings().with {
            $0.trunks = [TrunkSettings(name: "carrier", host: "192.0.2.10:5060")]
            $0.routes = [OutboundRoute(name: "out", patterns: [RoutePattern(pattern: "9.", strip: 1)], trunks: ["carrier"]),
                         OutboundRoute(name: "pin", patterns: [RoutePattern(pattern: "8.", strip: 1)], trunks: ["carrier"],
                                       pin: RoutePIN(mode: .single, pin: "1357"))]
            $0.inboundRoutes = [InboundRoute(name: "main", did: "4420", extension: "1002")]
        }
        var policy = OutboundPolicySettings()
        policy.numbers = [NumberListEntry(pattern: "0900X."), NumberListEntry(pattern: "0666", list: .blocked, direction: .inbound)]
        router.update(routing: RoutingTable(routing, policy: policy))
        return router
    }

    static let offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"

    func invite(_ dialed: String, from: String = "1001", fromTag: Bool = true, maxForwards: Int = 70, body: String? = offer) throws -> SIPRequest {
        var text = "INVITE sip:\(dialed)@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK\(UUID().uuidString.prefix(8))\r\n"
            + "From: <sip:\(from)@127.0.0.1>\(fromTag ? ";tag=a1" : "")\r\nTo: <sip:\(dialed)@127.0.0.1>\r\nCall-ID: \(UUID().uuidString)\r\n"
            + "CSeq: 1 INVITE\r\nContact: <sip:\(from)@127.0.0.1:5062>\r\nMax-Forwards: \(maxForwards)\r\n"
        if let body { text += "Content-Type: application/sdp\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)" } else { text += "Content-Length: 0\r\n\r\n" }
        guard case .request(let request) = try SIPParser().parse(Array(text.utf8)) else { throw CancellationError() }
        return request
    }

    func replier() throws -> SIPReplier {
        SIPReplier(channel: EmbeddedChannel(), peer: SIPPeer(address: try SocketAddress(ipAddress: "127.0.0.1", port: 5062), transport: .udp))
    }

    @Test func eachImmediateRefusalAnswersAndRecordsAsTheTableSays() throws {
        let recorder = Recorder()
        let router = try router(recorder)
        let trunk = RoutingTable.Trunk(settings: TrunkSettings(name: "carrier", host: "192.0.2.10:5060"), address: nil)
        let cases: [(request: SIPRequest, trunk: RoutingTable.Trunk?, reason: CallRefusalReason, warning: String?)] = [
            (try invite("1002", fromTag: false), nil, .malformed, "missing or malformed Via, From tag, Call-ID or CSeq"),
            (try invite("1002", maxForwards: 0), nil, .loop, nil),
            (try invite("1002", body: nil), nil, .noOffer, "an SDP offer is required"),
            (try invite("1002", body: "not sdp"), nil, .noOffer, "unreadable SDP"),
            (try invite("555"), nil, .policy(.noRoute), "no-route: no route matches 555"),
            (try invite("909001234"), nil, .policy(.blockedNumber), "blocked-number: 09001234 is a blocked number"),
            (try invite("81234"), nil, .pinNeedsRelay, "the route asks for a PIN"),
            (try invite("1002"), nil, .notRegistered, nil),
            (try invite("4421", from: "0777"), trunk, .noInboundRoute, "no inbound route for 4421"),
            (try invite("4420", from: "0666"), trunk, .blockedCaller, "blocked-number: 0666 is a blocked caller"),
        ]
        for (request, trunk, reason, warning) in cases {
            let answer = try #require(router.invite(request, caller: trunk == nil ? "1001" : (try request.from()).uri.sipURI?.user ?? "",
                                                    replier: try replier(), from: trunk))
            #expect(answer.statusCode == reason.status, "\(reason)")
            let header = answer.headers[.warning]
            if let warning {
                #expect(header?.contains(warning) == true, "\(reason): \(header ?? "no Warning")")
            } else {
                #expect(header == nil, "\(reason)")
            }
            let record = try #require(recorder.records.withLock { $0.last })
            #expect(record.disposition == reason.disposition && record.cause?.hasPrefix(String(reason.status)) == true, "\(reason)")
            #expect((record.decision == "refuse") == reason.isPolicyDecision, "\(reason)")
        }
        #expect(recorder.records.withLock { $0.count } == cases.count)
        #expect(recorder.events.withLock { $0.map(\.kind.name) } == ["Outbound Call to a Blocked Number"])
        #expect(router.count == 0, "no refused call stays in the table")
    }

    @Test func theCallLimitRefusesTheNextCall() throws {
        let recorder = Recorder()
        let answer = try #require(try router(maxCalls: 0, recorder).invite(try invite("1002"), caller: "1001", replier: try replier()))
        #expect(answer.statusCode == 503 && answer.headers[.warning]?.contains("call limit reached") == true)
        #expect(recorder.records.withLock { $0.first?.disposition } == .refused)
    }
}
