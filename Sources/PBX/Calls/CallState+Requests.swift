import Defense
import Events
import Foundation
import Media
import Model
import NIOCore
import SIPAuth
import SIPCore
import SIPStack

/// Requests inside calls (ACK, CANCEL, BYE, re-INVITE and the rest) and ringing the destinations.
extension CallState {
    mutating func acknowledge(_ request: SIPRequest, via: Via, callID: String, peer: SIPPeer) {
        // An ACK for a non-2xx final carries the INVITE's branch; an ACK for a 2xx is a new transaction in the dialog.
        let id = byInvite[ServerTransactionKey(via: via, method: .invite)] ?? byCallerCallID[callID]
        guard let id, var call = calls[id], call.finalResponse != nil, call.callerDialog.flow.peer.isSameFlow(as: peer) else { return }
        call.callerAcknowledged = true
        calls[id] = call
    }

    mutating func cancel(_ request: SIPRequest, via: Via, flow: SIPReplier, _ outbox: inout Outbox) -> Receipt {
        guard let id = byInvite[ServerTransactionKey(via: via, method: .invite)], var call = calls[id],
              call.callerDialog.flow.peer.isSameFlow(as: flow.peer) else {
            outbox.send(SIPResponse(replyingTo: request, statusCode: 481, toTag: CallMessages.newTag()).serialized(), on: flow)
            return .forged(reason: "CANCEL matching no INVITE from its source")
        }
        outbox.send(SIPResponse(replyingTo: request, statusCode: 200, toTag: call.callerDialog.localTag).serialized(), on: flow)
        guard call.phase == .ringing, call.finalResponse == nil else { return .handled }
        call.record.disposition = .cancelled
        call.record.hangupSide = "caller"
        call.record.cause = "CANCEL before answer"
        stopRinging(&call, status: 487, &outbox)
        return .handled
    }

    /// The call and side a request inside a dialog belongs to: the Call-ID finds the call, the tags and the flow must
    /// be the dialog's.
    func dialog(of request: SIPRequest, callID: String, peer: SIPPeer) -> (id: UInt64, fromCaller: Bool)? {
        let fromTag = (try? request.from())?.tag
        let toTag = request.toTag
        if let id = byCallerCallID[callID], let call = calls[id],
           call.callerDialog.admits(fromTag: fromTag, toTag: toTag, peer: peer, trunk: call.fromTrunk) {
            return (id, true)
        }
        if let callee = byCalleeCallID[callID], let call = calls[callee.call], call.winner == callee.fork,
           call.forks[callee.fork].dialog.admits(fromTag: fromTag, toTag: toTag, peer: peer, trunk: call.forks[callee.fork].trunk != nil) {
            return (callee.call, false)
        }
        return nil
    }

    /// BYE ends the call on both legs; anything else in the dialog (re-INVITE, UPDATE, INFO) is relayed.
    mutating func inDialog(_ request: SIPRequest, callID: String, flow: SIPReplier, _ outbox: inout Outbox) -> Receipt {
        guard let (id, fromCaller) = dialog(of: request, callID: callID, peer: flow.peer), var call = calls[id] else {
            outbox.send(SIPResponse(replyingTo: request, statusCode: 481).serialized(), on: flow)
            return .forged(reason: "\(request.method.rawValue) matching no dialog of its source")
        }
        if request.method == .bye {
            outbox.send(SIPResponse(replyingTo: request, statusCode: 200).serialized(), on: flow)
            if fromCaller && call.awaitingAnswer && call.answeredEarly {
                // Hung up during the PIN prompt or while the trunk rang.
                call.record.disposition = .cancelled
                call.record.hangupSide = "caller"
                call.record.cause = "BYE before the call was connected"
                cancelForks(&call, &outbox)
                calls[id] = call
                finish(id, &outbox)
                return .handled
            }
            guard call.phase == .answered else { return .handled }
            hangUp(id, side: fromCaller ? "caller" : "callee", cause: "BYE", tellCaller: !fromCaller, tellCallee: fromCaller, &outbox)
            return .handled
        }
        guard call.phase == .answered, let winner = call.winner else {
            outbox.send(SIPResponse(replyingTo: request, statusCode: 481).serialized(), on: flow)
            return .handled
        }
        if request.method == .ack { return .handled }
        let out: OutgoingRequest
        let body = relayed(request.body, from: fromCaller ? .caller : .callee, of: call, fork: call.forks[winner], &outbox)
        if fromCaller {
            out = call.forks[winner].dialog.request(request.method, body: body, contentType: request.headers[.contentType])
        } else {
            out = call.callerDialog.request(request.method, body: body, contentType: request.headers[.contentType])
        }
        calls[id] = call
        relays[out.branch] = Relay(call: id, original: request, replier: flow, toCallee: fromCaller)
        send(out, call: id, &outbox)
        return .handled
    }

    /// The next trunk of the call's route that has an address and room for one more call (emergency calls ignore
    /// the limits), as a destination; nil when none is left. The call takes its place on the trunk.
    mutating func nextTrunk(_ call: inout Call) -> CallDestination? {
        let policy = env.routing.policy
        while !call.pendingTrunks.isEmpty {
            let trunk = call.pendingTrunks.removeFirst()
            guard let address = trunk.address, let out = env.flow(SIPPeer(address: address, transport: .udp)),
                  let number = call.record.sent, call.emergency || policy.hasCapacity(trunk.settings.name, state: outbound) else { continue }
            if let previous = call.trunkInUse { outbound.trunkCallEnded(previous.name, outbound: previous.outbound) }
            outbound.trunkCallStarted(trunk.settings.name, outbound: true)
            call.trunkInUse = (trunk.settings.name, true)
            call.record.trunk = trunk.settings.name
            let target = "sip:\(number)@\(trunk.settings.host)"
            return CallDestination(uri: target, to: "<\(target)>", fromUser: trunk.settings.username ?? call.caller, flow: out,
                                   trunk: trunk.settings)
        }
        return nil
    }

    /// Sends the INVITE to every destination (forking to an extension's contacts, or to the route's next trunk),
    /// the offer pointing at the relay when there is one.
    mutating func ring(_ id: UInt64, _ destinations: [CallDestination], _ outbox: inout Outbox) {
        guard var call = calls[id] else { return }
        if destinations.isEmpty, !call.emergency, !call.ledgerAsked, !call.pendingTrunks.isEmpty, let node = env.ledgerNode {
            // Counted once for the cluster: the ledger answers before any trunk rings (`reserved`).
            call.ledgerAsked = true
            calls[id] = call
            outbox.reservations.append((id, reservation(for: call, node: node)))
            return
        }
        var destinations = destinations
        if destinations.isEmpty, let trunk = nextTrunk(&call) { destinations = [trunk] }
        guard !destinations.isEmpty else {
            stopRinging(&call, .noTrunkReachable, "no trunk of route '\(call.record.route ?? "")' is reachable or has room", &outbox)
            return
        }
        let advertised = env.settings.advertisedHost
        for destination in destinations {
            let index = call.forks.count
            let out = destination.flow
            var dialog = CallDialog(
                callID: CallMessages.token() + "@portcullis", localTag: CallMessages.newTag(), remoteTag: nil,
                localAddress: "<sip:\(destination.fromUser)@\(CallMessages.hostPort(out, advertised: advertised))>", remoteAddress: destination.to,
                remoteTarget: destination.uri, localSequence: 0, flow: out,
                contact: CallMessages.contact(out, user: destination.fromUser, advertised: advertised))
            let host = CallMessages.host(out, advertised: advertised)
            let offer = call.media.flatMap { session in
                call.pin.map { PINPrompt.offer(host: host, port: session.port(facing: .callee), $0) }
                    ?? CallMedia.rewrite(call.invite.body, host: host, port: session.port(facing: .callee))
            } ?? call.invite.body
            var extra: [(SIPHeaderName, String)] = [(.allow, SIPRequestDispatcher.allowed)]
            if destination.node != nil, let proof = env.relayProof(dialog.callID, destination.fromUser, call.callee, env.now) {
                extra.append((SIPHeaderName(ClusterRelayProof.header), proof))
            }
            let invite = dialog.request(.invite, body: offer, contentType: call.invite.headers[.contentType], maxForwards: call.maxForwards,
                                        extra: extra)
            let transaction = ClientInviteTransaction(reliable: out.peer.transport.isReliable, now: env.elapsed, timers: env.timers)
            call.forks.append(Call.Fork(dialog: dialog, invite: invite, transaction: transaction, trunk: destination.trunk))
            byForkBranch[invite.branch] = (id, index)
            byCalleeCallID[dialog.callID] = (id, index)
            outbox.send(invite.bytes, on: out)
            outbox.arm(transaction.timers, now: env.elapsed, on: out) { .fork(call: id, fork: index, name: $0) }
        }
        calls[id] = call
    }
}
