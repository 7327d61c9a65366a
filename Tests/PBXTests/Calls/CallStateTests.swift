@testable import PBX
@testable import SIPStack
import Defense
import Foundation
import Model
import NIOCore
import NIOEmbedded
import Events
import SIPCore
import Storage
import Testing

/// The call state machine alone: events in, the outbox out, on a clock of the test's own. Flows are embedded
/// channels that nothing is written to: the machine only names them in its outbox.
@Suite("Call state machine")
struct CallStateTests {
    struct Phone {
        let flow: SIPReplier
        init(_ ip: String, _ port: Int) throws {
            flow = SIPReplier(channel: EmbeddedChannel(), peer: SIPPeer(address: try SocketAddress(ipAddress: ip, port: port), transport: .udp))
        }
    }

    /// The machine with extensions 1001 (the caller) and 1002 (two devices, or `devices`), the relay off.
    struct Machine {
        var state: CallState
        var now = Date(timeIntervalSince1970: 1_800_000_000)
        var elapsed = Duration.zero
        let caller: Phone
        let devices: [Phone]

        init(devices count: Int = 2, settings: CallSettings = CallSettings()) throws {
            caller = try Phone("127.0.0.10", 5062)
            let devices = try (0..<count).map { try Phone("127.0.0.\(20 + $0)", 5070) }
            self.devices = devices
            state = CallState(env: CallEnvironment(
                now: now, elapsed: .zero, settings: settings, routing: RoutingTable(), timers: TransactionTimers(), relay: false, rtpTimeout: 60,
                rules: { _ in ExtensionCallRules() }, isExtension: { ["1001", "1002"].contains($0) },
                destinations: { number, caller, _, localOnly in
                    guard number == "1002" else { return [] }
                    // The last device stands for another cluster node holding one: not rung for a call relayed here.
                    return devices.enumerated().compactMap { index, device in
                        let remote = index == devices.count - 1 && devices.count > 1
                        if remote && localOnly { return nil }
                        return CallDestination(uri: "sip:1002@\(device.flow.peer.ip):5070", to: "<sip:1002@127.0.0.1>",
                                               fromUser: caller, flow: device.flow, trunk: nil, node: remote ? "b" : nil)
                    }
                },
                relayProof: { callID, caller, callee, _ in "proof:\(callID):\(caller):\(callee)" },
                flow: { _ in nil }, fingerprint: { $0 }))
        }

        /// Runs one event at the machine's current time; the messages it sends, parsed, with the flow they leave on.
        mutating func event(_ run: (inout CallState, inout CallState.Outbox) -> Void) -> Sent {
            state.env.now = now
            state.env.elapsed = elapsed
            var outbox = CallState.Outbox()
            run(&state, &outbox)
            return Sent(outbox: outbox)
        }

        mutating func advance(_ duration: Duration) {
            elapsed += duration
            now += TimeInterval(duration.components.seconds)
        }

        mutating func invite(_ callee: String = "1002", relayedFrom node: String? = nil) throws -> (SIPRequest, Sent) {
            let request = try parse(CallStateTests.request("INVITE", to: callee, callID: "call-1", branch: "z9hG4bKcaller1", fromTag: "c1",
                                                           body: CallRefusalTests.offer)).request
            let flow = caller.flow
            let sent = event { state, outbox in _ = state.invite(request, caller: "1001", flow: flow, from: nil, relayedFrom: node, &outbox) }
            return (request, sent)
        }

        /// `status` from `device` to the INVITE the machine sent it.
        mutating func answer(_ device: Int, _ status: Int, to invites: Sent, tag: String? = nil) throws -> Sent {
            let invite = try #require(invites.requests(to: devices[device]).first { $0.method == .invite })
            var response = SIPResponse(replyingTo: invite, statusCode: status, toTag: tag ?? "d\(device)")
            if (200..<300).contains(status) {
                response.headers.append(.contact, "<sip:1002@\(devices[device].flow.peer.ip):5070>")
                response.headers.append(.contentType, "application/sdp")
                response.body = Array(CallRefusalTests.offer.utf8)
            }
            let parsed = try parse(response.serialized()).response
            let branch = try #require(try invite.topVia().branch)
            let cseq = try invite.cseq()
            return event { state, outbox in state.receive(parsed, branch: branch, cseq: cseq, &outbox) }
        }

        /// A request from a phone, through the same door as the router's.
        mutating func request(_ request: SIPRequest, from phone: Phone) throws -> (CallRouter.Receipt, Sent) {
            let via = try request.topVia()
            let callID = try #require(request.callID)
            var receipt = CallRouter.Receipt.notMine
            let sent = event { state, outbox in receipt = state.receive(request, via: via, callID: callID, flow: phone.flow, &outbox) }
            return (receipt, sent)
        }
    }

    /// What an event sent, and the rest of its outbox.
    struct Sent {
        let outbox: CallState.Outbox

        var messages: [(flow: SIPReplier, message: SIPMessage)] {
            outbox.sends.compactMap { flow, bytes in (try? SIPParser().parse(bytes)).map { (flow, $0) } }
        }

        func requests(to phone: Phone) -> [SIPRequest] {
            messages.compactMap { flow, message in
                guard flow.peer.isSameFlow(as: phone.flow.peer), case .request(let request) = message else { return nil }
                return request
            }
        }

        func statuses(to phone: Phone) -> [Int] {
            messages.compactMap { flow, message in
                guard flow.peer.isSameFlow(as: phone.flow.peer), case .response(let response) = message else { return nil }
                return response.statusCode
            }
        }

        func methods(to phone: Phone) -> [SIPMethod] { requests(to: phone).map(\.method) }
    }

    static func request(_ method: String, to callee: String, callID: String, branch: String, fromTag: String, toTag: String? = nil,
                        cseq: Int = 1, body: String = "", from caller: String = "1001", via: String = "127.0.0.10:5062") -> String {
        var text = "\(method) sip:\(callee)@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP \(via);branch=\(branch)\r\n"
            + "From: <sip:\(caller)@127.0.0.1>;tag=\(fromTag)\r\nTo: <sip:\(callee)@127.0.0.1>\(toTag.map { ";tag=\($0)" } ?? "")\r\n"
            + "Call-ID: \(callID)\r\nCSeq: \(cseq) \(method)\r\n"
            + "Contact: <sip:\(caller)@\(via)>\r\nMax-Forwards: 70\r\n"
        text += body.isEmpty ? "Content-Length: 0\r\n\r\n" : "Content-Type: application/sdp\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        return text
    }

    static func parse(_ text: String) throws -> SIPMessage { try parse(Array(text.utf8)) }
    static func parse(_ bytes: [UInt8]) throws -> SIPMessage { try SIPParser().parse(bytes) }
    func parse(_ text: String) throws -> SIPMessage { try Self.parse(text) }

    /// The caller's dialog tag the machine chose (in its 200).
    static func ourTag(_ sent: Sent, to phone: Phone) throws -> String {
        for (flow, message) in sent.messages where flow.peer.isSameFlow(as: phone.flow.peer) {
            if case .response(let response) = message, (200..<300).contains(response.statusCode) { return try #require(try response.to().tag) }
        }
        throw CancellationError()
    }

    @Test func theFirstAnswerWinsAndTheOtherDeviceIsCancelledOrHungUp() throws {
        var machine = try Machine()
        let (_, invites) = try machine.invite()
        #expect(invites.statuses(to: machine.caller) == [100])
        #expect(invites.methods(to: machine.devices[0]) == [.invite] && invites.methods(to: machine.devices[1]) == [.invite])
        // The first device rings: the caller hears it; the second answers: it gets the ACK, the caller the 200,
        // and the ringing one a CANCEL.
        #expect(try machine.answer(0, 180, to: invites).statuses(to: machine.caller) == [180])
        let answered = try machine.answer(1, 200, to: invites)
        #expect(answered.statuses(to: machine.caller) == [200])
        #expect(answered.methods(to: machine.devices[1]) == [.ack])
        #expect(answered.methods(to: machine.devices[0]) == [.cancel])
        // The race: the cancelled device answers anyway; it is ACKed and hung up, the caller hears nothing more.
        let late = try machine.answer(0, 200, to: invites)
        #expect(late.methods(to: machine.devices[0]) == [.ack, .bye])
        #expect(late.statuses(to: machine.caller).isEmpty)
        #expect(machine.state.calls.values.first?.phase == .answered && machine.state.calls.values.first?.winner == 1)
    }

    @Test func aCallToAnotherNodeCarriesItsProofAndACallRelayedHereRingsOnlyThisNodesDevicesAndLeavesTheRecordToTheCaller() throws {
        var machine = try Machine()
        let (_, invites) = try machine.invite()
        let local = try #require(invites.requests(to: machine.devices[0]).first)
        let relayed = try #require(invites.requests(to: machine.devices[1]).first)
        #expect(local.headers[SIPHeaderName(ClusterRelayProof.header)] == nil)
        #expect(relayed.headers[SIPHeaderName(ClusterRelayProof.header)] == "proof:\(relayed.callID ?? ""):1001:1002")

        var here = try Machine()
        let (_, rung) = try here.invite(relayedFrom: "a")
        #expect(rung.methods(to: here.devices[0]) == [.invite] && rung.methods(to: here.devices[1]).isEmpty, "never relayed on")
        let answered = try here.answer(0, 200, to: rung)
        let tag = try Self.ourTag(answered, to: here.caller)
        let bye = try parse(Self.request("BYE", to: "1002", callID: "call-1", branch: "z9hG4bKcaller2", fromTag: "c1", toTag: tag, cseq: 2)).request
        let (receipt, ended) = try here.request(bye, from: here.caller)
        #expect(receipt == .handled && ended.methods(to: here.devices[0]) == [.bye])
        #expect(ended.outbox.ended.isEmpty, "the node that took the call from its caller records it")
        let outside = try parse(Self.request("INVITE", to: "5551234", callID: "call-2", branch: "z9hG4bKcaller3", fromTag: "c3",
                                             body: CallRefusalTests.offer)).request
        var immediate: SIPResponse?
        let flow = here.caller.flow
        let refused = here.event { state, outbox in immediate = state.invite(outside, caller: "1001", flow: flow, from: nil, relayedFrom: "a", &outbox).immediate }
        #expect(immediate?.statusCode == 404 && refused.outbox.ended.isEmpty, "a relayed call is only ever for an extension, and not recorded here")
    }

    /// In a cluster the shared ledger answers before a trunk rings: granted, the booked trunk only; refused, the
    /// caller hears why and the policy's event and lock follow; no answer (the store is down), the node's own counts
    /// decide; a call that ended meanwhile gives its booking back, and an ended call frees its place.
    @Test func theClusterLedgerDecidesBeforeATrunkRings() throws {
        let carrier = try Phone("192.0.2.10", 5060), backup = try Phone("192.0.2.20", 5080)
        var routing = RoutingSettings()
        routing.trunks = [TrunkSettings(name: "carrier", host: "192.0.2.10:5060", maxCalls: 2), TrunkSettings(name: "backup", host: "192.0.2.20:5080")]
        routing.routes = [OutboundRoute(name: "out", patterns: [RoutePattern(pattern: "9.", strip: 1)], trunks: ["carrier", "backup"])]
        var policy = OutboundPolicySettings()
        policy.frequencyRules = [FrequencyRule(name: FrequencyRule.defaultName, limits: [.init(calls: 5, seconds: 1)], lock: true)]
        func machine() throws -> Machine {
            var machine = try Machine()
            machine.state.env.routing = RoutingTable(routing, policy: policy)
            machine.state.env.ledgerNode = "a"
            machine.state.env.flow = { $0.ip == "192.0.2.10" ? carrier.flow : backup.flow }
            return machine
        }
        func asked(_ machine: inout Machine) throws -> (Sent, UInt64, OutboundReservation) {
            let (_, sent) = try machine.invite("9020794600")
            let (id, reservation) = try #require(sent.outbox.reservations.first)
            #expect(sent.methods(to: carrier).isEmpty && sent.methods(to: backup).isEmpty, "nothing rings before the ledger answers")
            return (sent, id, reservation)
        }

        var granted = try machine()
        let (_, id, reservation) = try asked(&granted)
        #expect(reservation.caller == "1001" && reservation.node == "a" && reservation.limits == [.init(calls: 5, seconds: 1)])
        #expect(reservation.trunks == [.init(name: "carrier", limit: 2), .init(name: "backup", limit: nil)])
        let rung = granted.event { state, outbox in state.reserved(id, reservation, .granted(trunk: "backup"), &outbox) }
        #expect(rung.methods(to: backup) == [.invite] && rung.methods(to: carrier).isEmpty, "the booked trunk rings")
        let invite = try #require(rung.requests(to: backup).first)
        let refusal = try Self.parse(SIPResponse(replyingTo: invite, statusCode: 503, toTag: "p").serialized()).response
        let branch = try #require(try invite.topVia().branch)
        let cseq = try invite.cseq()
        let failed = granted.event { state, outbox in state.receive(refusal, branch: branch, cseq: cseq, &outbox) }
        #expect(failed.outbox.reservationsEnded == [reservation.key], "the booking is given back when the call ends")

        var refused = try machine()
        let (_, refusedID, refusedReservation) = try asked(&refused)
        let answer = refused.event { state, outbox in
            state.reserved(refusedID, refusedReservation, .frequencyExceeded(.init(calls: 5, seconds: 1)), &outbox)
        }
        let final = try #require(answer.messages.compactMap { flow, message -> SIPResponse? in
            if case .response(let response) = message, response.statusCode >= 200 { return response }
            return nil
        }.first)
        #expect(final.statusCode == 403 && final.headers[.warning]?.contains("frequency-exceeded") == true)
        #expect(answer.outbox.events.map(\.kind.name).contains("Extension Outbound Calls Locked") && refused.state.outbound.locks["1001"] != nil)
        #expect(answer.outbox.ended.first?.decision == "refuse" && answer.outbox.reservationsEnded.isEmpty)

        var unreachable = try machine()
        let (_, unreachableID, unreachableReservation) = try asked(&unreachable)
        let local = unreachable.event { state, outbox in state.reserved(unreachableID, unreachableReservation, nil, &outbox) }
        #expect(local.methods(to: carrier) == [.invite], "the node's own counts let it out on the route's first trunk")

        var late = try machine()
        let (_, lateID, lateReservation) = try asked(&late)
        late.state.calls[lateID]?.phase = .ended
        let returned = late.event { state, outbox in state.reserved(lateID, lateReservation, .granted(trunk: "carrier"), &outbox) }
        #expect(returned.outbox.reservationsEnded == [lateReservation.key] && returned.methods(to: carrier).isEmpty)
    }

    @Test func aCancelWhileRingingEndsTheCallAndAnAnswerCrossingItIsHungUp() throws {
        var machine = try Machine()
        let (invite, invites) = try machine.invite()
        _ = try machine.answer(0, 180, to: invites)
        let cancel = try parse(Self.request("CANCEL", to: "1002", callID: "call-1", branch: "z9hG4bKcaller1", fromTag: "c1")).request
        let (receipt, cancelled) = try machine.request(cancel, from: machine.caller)
        #expect(receipt == .handled)
        #expect(cancelled.statuses(to: machine.caller) == [200, 487], "200 for the CANCEL, 487 for the INVITE")
        #expect(cancelled.methods(to: machine.devices[0]) == [.cancel], "the ringing device is cancelled")
        #expect(cancelled.methods(to: machine.devices[1]).isEmpty, "a CANCEL waits for a provisional response")
        let record = try #require(cancelled.outbox.ended.first)
        #expect(record.disposition == .cancelled && record.hangupSide == "caller")
        // The silent device answers after all: ACK and BYE, and the caller hears nothing of it.
        let crossing = try machine.answer(1, 200, to: invites)
        #expect(crossing.methods(to: machine.devices[1]) == [.ack, .bye] && crossing.statuses(to: machine.caller).isEmpty)
        // A CANCEL from another source for the same transaction is refused and counted.
        let forged = try machine.request(cancel, from: try Phone("127.0.0.66", 5062))
        #expect(forged.0 == .forged(reason: "CANCEL matching no INVITE from its source"))
        _ = invite
    }

    @Test func byesFromBothSidesAtOnceEndTheCallOnce() throws {
        var machine = try Machine(devices: 1)
        let (_, invites) = try machine.invite()
        let answered = try machine.answer(0, 200, to: invites)
        let tag = try Self.ourTag(answered, to: machine.caller)
        // The ACK the PBX sent the device names the device's dialog: its Call-ID and our tag there.
        let ack = try #require(answered.requests(to: machine.devices[0]).first)
        let fromCallee = try parse(Self.request("BYE", to: "1001", callID: try #require(ack.callID), branch: "z9hG4bKcallee1", fromTag: "d0",
                                                toTag: try ack.from().tag, cseq: 1, from: "1002", via: "127.0.0.20:5070")).request
        let (first, ended) = try machine.request(fromCallee, from: machine.devices[0])
        #expect(first == .handled && ended.statuses(to: machine.devices[0]) == [200] && ended.methods(to: machine.caller) == [.bye])
        #expect(ended.outbox.ended.map(\.hangupSide) == ["callee"])
        let fromCaller = try parse(Self.request("BYE", to: "1002", callID: "call-1", branch: "z9hG4bKcaller2", fromTag: "c1", toTag: tag, cseq: 2)).request
        let (second, again) = try machine.request(fromCaller, from: machine.caller)
        #expect(second == .handled && again.statuses(to: machine.caller) == [200])
        #expect(again.outbox.ended.isEmpty && again.methods(to: machine.devices[0]).isEmpty, "ended once, no second BYE")
    }

    @Test func aReInviteIsRelayedAndItsAnswerAcknowledgedOnBothLegs() throws {
        var machine = try Machine(devices: 1)
        let (_, invites) = try machine.invite()
        let answered = try machine.answer(0, 200, to: invites)
        let tag = try Self.ourTag(answered, to: machine.caller)
        let reinvite = try parse(Self.request("INVITE", to: "1002", callID: "call-1", branch: "z9hG4bKcaller3", fromTag: "c1", toTag: tag, cseq: 2,
                                              body: CallRefusalTests.offer)).request
        let (receipt, relayed) = try machine.request(reinvite, from: machine.caller)
        #expect(receipt == .handled)
        let out = try #require(relayed.requests(to: machine.devices[0]).first)
        #expect(try out.method == .invite && out.cseq().sequence == 2)
        // The callee's 200 goes back to the caller; the PBX ACKs the callee itself and absorbs the caller's ACK.
        var ok = SIPResponse(replyingTo: out, statusCode: 200, toTag: "d0")
        ok.headers.append(.contact, "<sip:1002@127.0.0.20:5070>")
        let okBytes = try Self.parse(ok.serialized()).response
        let branch = try #require(try out.topVia().branch)
        let cseq = try out.cseq()
        let back = machine.event { state, outbox in
            state.receive(okBytes, branch: branch, cseq: cseq, &outbox)
        }
        #expect(back.statuses(to: machine.caller) == [200] && back.methods(to: machine.devices[0]) == [.ack])
        let ack = try parse(Self.request("ACK", to: "1002", callID: "call-1", branch: "z9hG4bKcaller4", fromTag: "c1", toTag: tag, cseq: 2)).request
        let (_, absorbed) = try machine.request(ack, from: machine.caller)
        #expect(absorbed.outbox.sends.isEmpty)
    }

    @Test func timersRunOnTheMachinesClock() throws {
        var machine = try Machine(devices: 1, settings: CallSettings().with { $0.ringTimeout = 30; $0.maxDuration = 60 })
        let (_, invites) = try machine.invite()
        let armed = invites.outbox.timers.map { ($0.1, "\($0.2)") }
        #expect(armed.contains { $0.0 == .seconds(30) && $0.1.hasPrefix("ringTimeout") }, "\(armed)")
        // Timer A: the INVITE to the device again after T1, on the machine's time.
        let retransmit = try #require(invites.outbox.timers.first { timer in
            if case .fork(_, _, let name) = timer.2 { name == .a } else { false }
        })
        #expect(retransmit.1 == .milliseconds(500))
        machine.advance(.milliseconds(500))
        #expect(machine.event { state, outbox in state.fire(retransmit.2, &outbox) }.methods(to: machine.devices[0]) == [.invite])
        // Nobody answers within the ring timeout: 480 to the caller, CANCEL after the device's provisional.
        _ = try machine.answer(0, 180, to: invites)
        machine.advance(.seconds(30))
        let timeout = try #require(invites.outbox.timers.first { "\($0.2)".hasPrefix("ringTimeout") })
        let rung = machine.event { state, outbox in state.fire(timeout.2, &outbox) }
        #expect(rung.statuses(to: machine.caller) == [480] && rung.methods(to: machine.devices[0]) == [.cancel])
        #expect(rung.outbox.ended.map(\.disposition) == [.noAnswer])

        // An answered call ends at its maximum duration: BYE on both legs, recorded as the PBX's.
        var second = try Machine(devices: 1, settings: CallSettings().with { $0.maxDuration = 60 })
        let (_, offered) = try second.invite()
        let answered = try second.answer(0, 200, to: offered)
        let limit = try #require(answered.outbox.timers.first { "\($0.2)".hasPrefix("maxDuration") })
        #expect(limit.1 == .seconds(60))
        second.advance(.seconds(60))
        let hungUp = second.event { state, outbox in state.fire(limit.2, &outbox) }
        #expect(hungUp.methods(to: second.caller) == [.bye] && hungUp.methods(to: second.devices[0]) == [.bye])
        #expect(hungUp.outbox.ended.first?.cause == "maximum call duration reached" && hungUp.outbox.ended.first?.hangupSide == "pbx")
        #expect(hungUp.outbox.ended.first?.answer == Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func refusalsAfterTheCallStartedAreRecordedAsTheTableSays() throws {
        // The relay had no free ports.
        var machine = try Machine(devices: 1)
        machine.state.env.relay = true
        let (_, started) = try machine.invite()
        #expect(started.methods(to: machine.devices[0]).isEmpty, "with the relay, devices ring once its sockets exist")
        let id = try #require(machine.state.calls.keys.first)
        let noPorts = machine.event { state, outbox in state.mediaOpened(id, nil, contacts: [], &outbox) }
        #expect(noPorts.statuses(to: machine.caller) == [503])
        #expect(noPorts.outbox.ended.first?.disposition == CallRefusalReason.noMediaPorts.disposition)
        #expect(noPorts.outbox.ended.first?.cause == "503: no free media ports")
    }
}

extension SIPMessage {
    var request: SIPRequest {
        get throws {
            guard case .request(let request) = self else { throw CancellationError() }
            return request
        }
    }

    var response: SIPResponse {
        get throws {
            guard case .response(let response) = self else { throw CancellationError() }
            return response
        }
    }
}
