import Defense
import Foundation
import Media
import Model
import NIOCore
import NIOPosix
import SIPAuth
import SIPCore
import SIPStack
import Synchronization

/// Calls a person to read an event out: the PBX is the caller (RFC 3261 sections 13 and 17.1.1 as a UAC of its
/// own). It rings an extension's most recently registered device over the flow the device registered on (so it
/// passes the device's NAT), or a mobile through the trunk the outbound policy chooses (answering the provider's
/// challenge once), offers G.711 from the media relay, plays the prompt when answered, then hangs up. Ringing ends
/// after `ringTimeout` with a CANCEL; the answer is the outcome for the caller to retry on.
public final class NotificationCaller: Sendable {
    public enum Outcome: Sendable, Equatable {
        case answered
        case failed(String)
    }

    private struct Pending: Sendable {
        var dialog: CallDialog
        var invite: OutgoingRequest
        var session: MediaSession
        var prompt: Prompt
        var continuation: CheckedContinuation<Outcome, Never>?
        var provisional = false
        var answered = false
        var ended = false
        var ack: [UInt8]?
        var timers: [Scheduled<Void>] = []
        /// The trunk a call to a mobile leaves through; its credentials answer one challenge.
        var trunk: TrunkSettings?
        var answeredChallenge = false
    }

    private let calls = Mutex<[String: Pending]>([:])
    private let flows: SIPFlowTable
    private let location: LocationService
    private let relay: MediaRelay?
    private let advertisedHost: String?
    private let router: CallRouter

    init(flows: SIPFlowTable, location: LocationService, relay: MediaRelay?, router: CallRouter, advertisedHost: String?) {
        self.flows = flows
        self.location = location
        self.relay = relay
        self.router = router
        self.advertisedHost = advertisedHost
    }

    /// Rings `number` and plays `prompt` when it answers; returns once the call is over or could not be made.
    public func call(extension number: String, prompt: Prompt, ringTimeout: TimeAmount = .seconds(30)) async -> Outcome {
        let bindings = location.bindings(for: number).filter { $0.expiresAt > Date() }.sorted { $0.updatedAt > $1.updatedAt }
        guard let binding = bindings.first, let peer = SIPPeer(binding: binding), let flow = flows.replier(to: peer) else {
            return .failed("extension \(number) has no registered device")
        }
        let hostPort = CallMessages.hostPort(flow, advertised: advertisedHost)
        return await place(CallDestination(uri: binding.contact, to: "<sip:\(number)@\(hostPort)>", fromUser: "portcullis", flow: flow, trunk: nil),
                           prompt: prompt, ringTimeout: ringTimeout)
    }

    /// Calls `number` outside as if `caller` dialed it: the outbound policy decides the route and trunk (permissions,
    /// locks, blocked numbers, countries), so a notification cannot reach where the extension may not call. Without a
    /// caller only routes open to every extension are used, with the policy's default rules.
    public func call(number: String, as caller: String?, prompt: Prompt, ringTimeout: TimeAmount = .seconds(30)) async -> Outcome {
        let allowed: OutboundCall
        switch router.decideOwnCall(as: caller ?? "", dialed: number) {
        case .allow(let call): allowed = call
        case .needsPIN(let route): return .failed("route '\(route)' asks for a PIN, which a notification call cannot key")
        case .refuse(let refusal): return .failed("the outbound policy refused it: \(refusal)")
        }
        let table = router.routingTable
        guard let trunk = allowed.trunks.lazy.compactMap({ table.trunk(named: $0) }).first(where: { $0.address != nil }), let address = trunk.address,
              let flow = flows.replier(to: SIPPeer(address: address, transport: .udp)) else {
            return .failed("no trunk of route '\(allowed.route)' is reachable")
        }
        let target = "sip:\(allowed.number)@\(trunk.settings.host)"
        return await place(CallDestination(uri: target, to: "<\(target)>", fromUser: trunk.settings.username ?? caller ?? "portcullis", flow: flow,
                                           trunk: trunk.settings),
                           prompt: prompt, ringTimeout: ringTimeout)
    }

    private func place(_ destination: CallDestination, prompt: Prompt, ringTimeout: TimeAmount) async -> Outcome {
        guard let relay else { return .failed("calls need the media relay (sip.media)") }
        let flow = destination.flow
        let session: MediaSession
        do {
            session = try await relay.openSession(on: flow.eventLoop).get()
        } catch {
            return .failed("no media port: \(error)")
        }
        let advertised = advertisedHost
        let host = CallMessages.host(flow, advertised: advertised)
        var dialog = CallDialog(callID: CallMessages.token() + "@portcullis", localTag: CallMessages.newTag(), remoteTag: nil,
                                localAddress: "\"Portcullis\" <sip:\(destination.fromUser)@\(CallMessages.hostPort(flow, advertised: advertised))>",
                                remoteAddress: destination.to, remoteTarget: destination.uri, localSequence: 0, flow: flow,
                                contact: CallMessages.contact(flow, user: destination.fromUser, advertised: advertised))
        let invite = dialog.request(.invite, body: NotificationCaller.offer(host: host, port: session.port(facing: .callee)),
                                    contentType: "application/sdp", extra: [(.allow, SIPRequestDispatcher.allowed)])
        let callID = dialog.callID
        return await withCheckedContinuation { continuation in
            calls.withLock {
                $0[callID] = Pending(dialog: dialog, invite: invite, session: session, prompt: prompt, continuation: continuation, trunk: destination.trunk)
            }
            flow.send(invite.bytes, via: nil)
            var timers = [flow.eventLoop.scheduleTask(in: ringTimeout) { [self] in ringingTimedOut(callID) }]
            if !flow.peer.transport.isReliable { timers.append(retransmit(callID, after: .milliseconds(500))) }
            calls.withLock { $0[callID]?.timers += timers }
        }
    }

    /// A response to one of our requests; false when it is not ours.
    func receive(_ response: SIPResponse) -> Bool {
        guard let callID = response.headers[.callID], let method = (try? response.cseq())?.method else { return false }
        enum Step {
            case none, ack([UInt8], SIPReplier), resend([UInt8], [UInt8], SIPReplier)
            case answered(MediaSession, Prompt, UInt8, (String, Int)?, SIPReplier, [UInt8]), failed([UInt8], SIPReplier, String)
        }
        let step: Step? = calls.withLock { calls in
            guard var call = calls[callID] else { return nil }
            defer { calls[callID] = call }
            guard method == .invite else { return Step.none }
            let status = response.statusCode
            switch status {
            case 100..<200:
                call.provisional = true
                return Step.none
            case 200..<300:
                if let ack = call.ack { return .ack(ack, call.dialog.flow) }
                if let tag = response.toTag { call.dialog.remoteTag = tag }
                if let contact = try? response.contacts().first, case .address(let address) = contact { call.dialog.remoteTarget = address.uri.description }
                let ack = call.dialog.request(.ack, sequence: call.invite.request.cseqNumber).bytes
                call.ack = ack
                call.answered = true
                for timer in call.timers { timer.cancel() }
                call.timers = []
                let codec = PINPrompt.codecs(response.body)?.audio ?? 0
                return .answered(call.session, call.prompt, codec, CallMedia.audioTarget(response.body), call.dialog.flow, ack)
            case 401...407 where (status == 401 || status == 407) && !call.answeredChallenge && call.trunk?.username != nil && !call.answered:
                let ack = call.invite.nonSuccessAck(response, remoteAddress: call.dialog.remoteAddress)
                guard let trunk = call.trunk, let username = trunk.username, let password = trunk.password,
                      let header = response.headers[status == 401 ? .wwwAuthenticate : .proxyAuthenticate],
                      let challenge = try? DigestChallenge(parsing: header) else {
                    return .failed(ack, call.dialog.flow, "\(status) \(response.reasonPhrase)")
                }
                let credentials = DigestCredentials(answering: challenge, username: username, password: password, method: .invite,
                                                    uri: call.dialog.remoteTarget, cnonce: CallMessages.token())
                call.answeredChallenge = true
                call.provisional = false
                call.invite = call.dialog.request(.invite, body: call.invite.request.body, contentType: "application/sdp",
                                                  extra: [(.allow, SIPRequestDispatcher.allowed),
                                                          (status == 401 ? .authorization : .proxyAuthorization, credentials.headerValue)])
                return .resend(ack, call.invite.bytes, call.dialog.flow)
            default:
                guard !call.answered else { return Step.none }
                let ack = call.invite.nonSuccessAck(response, remoteAddress: call.dialog.remoteAddress)
                return .failed(ack, call.dialog.flow, "\(status) \(response.reasonPhrase)")
            }
        }
        guard let step else { return false }
        switch step {
        case .none:
            break
        case .ack(let bytes, let flow):
            flow.send(bytes, via: nil)
        case .resend(let ack, let invite, let flow):
            flow.send(ack, via: nil)
            flow.send(invite, via: nil)
        case .answered(let session, let prompt, let codec, let target, let flow, let ack):
            flow.send(ack, via: nil)
            if let target { session.setPeer(.callee, host: target.0, port: target.1, signalling: flow.peer.ip) }
            let endpoint = session.takeOver(.callee, audioPayloadType: codec, dtmfPayloadType: nil)
            endpoint.play(prompt, collecting: nil) { [self] _ in hangUp(callID) }
        case .failed(let ack, let flow, let reason):
            flow.send(ack, via: nil)
            finish(callID, .failed("the call was refused: \(reason)"))
        }
        return true
    }

    /// A request inside one of our calls (the person hung up first); false when it is not ours. Only the called
    /// party's flow with the dialog's tags counts: a BYE from elsewhere that knows the Call-ID is the router's (481).
    func receive(_ request: SIPRequest, replier: SIPReplier) -> Bool {
        // Every request is asked: most (REGISTERs, keepalives, other calls) are not in these calls, so the Call-ID is
        // made a string only while there is a call to look up, and the tags are parsed only for one that is in it.
        guard let text = request.headers.text(.callID), let callID = calls.withLock({ calls -> String? in
            guard !calls.isEmpty else { return nil }
            let callID = String(text)
            return calls[callID] != nil ? callID : nil
        }) else { return false }
        let fromTag = (try? request.from())?.tag
        let toTag = request.toTag
        let admitted = calls.withLock { calls in
            calls[callID].map { $0.dialog.admits(fromTag: fromTag, toTag: toTag, peer: replier.peer, trunk: $0.trunk != nil) } ?? false
        }
        guard admitted else { return false }
        if request.method != .ack {
            let response = CallMessages.response(to: request, status: 200, toTag: calls.withLock { $0[callID]?.dialog.localTag } ?? "", contact: nil)
            replier.send(response, via: try? request.topVia())
        }
        if request.method == .bye { finish(callID, .answered) }
        return true
    }

    private func hangUp(_ callID: String) {
        let bye: (OutgoingRequest, SIPReplier)? = calls.withLock { calls in
            guard var call = calls[callID], !call.ended else { return nil }
            let bye = call.dialog.request(.bye)
            calls[callID] = call
            return (bye, call.dialog.flow)
        }
        if let (bye, flow) = bye { flow.send(bye.bytes, via: nil) }
        finish(callID, .answered)
    }

    private func ringingTimedOut(_ callID: String) {
        let cancel: ([UInt8], SIPReplier)? = calls.withLock { calls in
            guard let call = calls[callID], !call.answered, !call.ended else { return nil }
            var headers = SIPHeaders()
            for field in call.invite.request.headers where [.via, .from, .to, .callID, .maxForwards].contains(field.name) {
                headers.append(field)
            }
            headers.append(.cseq, "\(call.invite.request.cseqNumber) CANCEL")
            return (SIPRequest(method: .cancel, uri: call.invite.request.uri, headers: headers).serialized(), call.dialog.flow)
        }
        if let (bytes, flow) = cancel { flow.send(bytes, via: nil) }
        finish(callID, .failed("no answer"))
    }

    /// Timer A: the INVITE again at 0.5 s, 1 s, 2 s, 4 s... until something answers (UDP).
    private func retransmit(_ callID: String, after delay: TimeAmount) -> Scheduled<Void> {
        let flow = calls.withLock { $0[callID]?.dialog.flow }
        return (flow?.eventLoop ?? MultiThreadedEventLoopGroup.singleton.next()).scheduleTask(in: delay) { [self] in
            let resend: ([UInt8], SIPReplier)? = calls.withLock { calls in
                guard let call = calls[callID], !call.provisional, !call.answered, !call.ended else { return nil }
                return (call.invite.bytes, call.dialog.flow)
            }
            guard let (bytes, flow) = resend else { return }
            flow.send(bytes, via: nil)
            let next = retransmit(callID, after: min(delay * 2, .seconds(4)))
            calls.withLock { $0[callID]?.timers.append(next) }
        }
    }

    /// Ends the call once: the media closed, the waiting caller told; the entry stays 32 s for retransmissions.
    private func finish(_ callID: String, _ outcome: Outcome) {
        let ended: (CheckedContinuation<Outcome, Never>?, MediaSession, [Scheduled<Void>], any EventLoop)? = calls.withLock { calls in
            guard var call = calls[callID], !call.ended else { return nil }
            call.ended = true
            let continuation = call.continuation
            call.continuation = nil
            let timers = call.timers
            call.timers = []
            calls[callID] = call
            return (continuation, call.session, timers, call.dialog.flow.eventLoop)
        }
        guard let (continuation, session, timers, loop) = ended else { return }
        for timer in timers { timer.cancel() }
        session.close()
        continuation?.resume(returning: outcome)
        loop.scheduleTask(in: .seconds(32)) { [self] in _ = calls.withLock { $0.removeValue(forKey: callID) } }
    }

    static func offer(host: String, port: Int) -> [UInt8] {
        let family = host.contains(":") ? "IP6" : "IP4"
        let lines = ["v=0", "o=portcullis \(port) 1 IN \(family) \(host)", "s=portcullis", "c=IN \(family) \(host)", "t=0 0",
                     "m=audio \(port) RTP/AVP 0 8", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=sendonly"]
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }
}
