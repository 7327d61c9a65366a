import Defense
import Events
import Foundation
import Media
import Model
import NIOCore
import SIPAuth
import SIPCore
import SIPStack

/// The steps the events share: final responses, CANCEL and BYE, ending a call.
extension CallState {
    /// An SDP body from one side as the other side must see it: the sender's address goes to the relay, and the
    /// body points at the relay's port facing the receiver. Unchanged without a relay or without SDP.
    func relayed(_ body: [UInt8], from side: MediaSession.Side, of call: Call, fork: Call.Fork, _ outbox: inout Outbox) -> [UInt8] {
        guard let session = call.media, !body.isEmpty, let target = CallMedia.audioTarget(body) else { return body }
        let senderFlow = side == .caller ? call.callerDialog.flow : fork.dialog.flow
        let receiverFlow = side == .caller ? fork.dialog.flow : call.callerDialog.flow
        outbox.mediaPeers.append((session, side, target.host, target.port, senderFlow.peer.ip))
        let advertised = env.settings.advertisedHost
        return CallMedia.rewrite(body, host: CallMessages.host(receiverFlow, advertised: advertised), port: session.port(facing: side.other)) ?? body
    }

    /// The caller's final response, retransmitted over UDP until the ACK.
    mutating func sendFinal(_ status: Int, to call: inout Call, body: [UInt8] = [], contentType: String? = nil, warning: String? = nil,
                            _ outbox: inout Outbox) {
        let bytes = CallMessages.response(to: call.invite, status: status, toTag: call.callerDialog.localTag, contact: call.callerDialog.contact,
                                          body: body, contentType: contentType, warning: warning)
        call.finalResponse = (status, bytes)
        outbox.send(bytes, on: call.callerDialog.flow)
        if !call.callerDialog.flow.peer.transport.isReliable || status < 300 {
            let t1 = env.timers.t1
            outbox.after(t1, on: call.callerDialog.flow, .finalRetransmit(call: call.id, interval: t1, elapsed: t1))
        }
    }

    /// Ends a call that was not answered: CANCEL to every destination still ringing (none when all have failed),
    /// `status` to the caller, or a BYE when the PBX had answered it itself for the PIN prompt.
    /// Ends a call still ringing for `reason`, recorded as the refusal table says.
    /// `warning` tells the caller why (as an immediate refusal does).
    mutating func stopRinging(_ call: inout Call, _ reason: CallRefusalReason, _ detail: String, warning: String? = nil, _ outbox: inout Outbox) {
        call.record.stop(reason, detail)
        stopRinging(&call, status: reason.status, warning: warning, &outbox)
    }

    mutating func stopRinging(_ call: inout Call, status: Int, warning: String? = nil, _ outbox: inout Outbox) {
        cancelForks(&call, &outbox)
        if call.answeredEarly {
            calls[call.id] = call
            hangUp(call.id, tellCaller: true, tellCallee: false, &outbox)
        } else {
            sendFinal(status, to: &call, warning: warning, &outbox)
            calls[call.id] = call
        }
        finish(call.id, &outbox)
    }

    mutating func cancelForks(_ call: inout Call, _ outbox: inout Outbox) {
        for index in call.forks.indices where call.forks[index].finalStatus == nil && !call.forks[index].cancelled && index != call.winner {
            call.forks[index].cancelled = true
            // RFC 3261 section 9.1: a CANCEL waits for a provisional response.
            if call.forks[index].provisional { sendCancel(call.forks[index], call: call.id, &outbox) }
        }
    }

    mutating func sendCancel(_ fork: Call.Fork, call id: UInt64, _ outbox: inout Outbox) {
        var headers = SIPHeaders()
        for field in fork.invite.request.headers where [.via, .from, .to, .callID, .maxForwards].contains(field.name) {
            headers.append(field)
        }
        headers.append(.cseq, "\(fork.invite.request.cseqNumber) CANCEL")
        let request = SIPRequest(method: .cancel, uri: fork.invite.request.uri, headers: headers)
        send(OutgoingRequest(request: request, bytes: request.serialized(), branch: fork.invite.branch, flow: fork.dialog.flow),
             call: id, &outbox)
    }

    /// RFC 3261 section 17.1.1.3: same branch and Request-URI as the INVITE, To from the response.
    func nonSuccessAck(_ fork: Call.Fork, response: SIPResponse) -> [UInt8] {
        fork.invite.nonSuccessAck(response, remoteAddress: fork.dialog.remoteAddress)
    }

    /// Ends an answered call: records who ended it and why, BYEs the legs that should hear of it.
    mutating func hangUp(_ id: UInt64, side: String, cause: String, tellCaller: Bool = true, tellCallee: Bool = true, _ outbox: inout Outbox) {
        calls[id]?.record.hangupSide = side
        calls[id]?.record.cause = cause
        hangUp(id, tellCaller: tellCaller, tellCallee: tellCallee, &outbox)
        finish(id, &outbox)
    }

    /// A BYE to each leg that should hear of the end.
    mutating func hangUp(_ id: UInt64, tellCaller: Bool, tellCallee: Bool, _ outbox: inout Outbox) {
        guard var call = calls[id] else { return }
        var byes: [OutgoingRequest] = []
        if tellCaller { byes.append(call.callerDialog.request(.bye)) }
        if tellCallee, let winner = call.winner { byes.append(call.forks[winner].dialog.request(.bye)) }
        calls[id] = call
        for bye in byes { send(bye, call: id, &outbox) }
    }

    /// Sends a non-INVITE request as a client transaction: retransmitted over UDP (Timer E) until a final response,
    /// given up at Timer F.
    mutating func send(_ outgoing: OutgoingRequest, call id: UInt64, _ outbox: inout Outbox) {
        outbox.send(outgoing.bytes, on: outgoing.flow)
        let key = outgoing.branch + outgoing.request.method.rawValue
        let now = env.elapsed
        let transaction = ClientNonInviteTransaction(reliable: outgoing.flow.peer.transport.isReliable, now: now, timers: env.timers)
        self.outgoing[key] = Pending(call: id, outgoing: outgoing, transaction: transaction)
        outbox.arm(transaction.timers, now: now, on: outgoing.flow) { .outgoing(key: key, name: $0) }
    }

    /// The call's record as it stands (an unfinished call ends now).
    func detailRecord(_ call: Call) -> CallDetailRecord {
        CallDetailRecord(callID: call.callerDialog.callID, caller: call.caller, callee: call.callee, dialed: call.record.dialed,
                         sent: call.record.sent, route: call.record.route, trunk: call.record.trunk,
                         start: call.record.start, answer: call.record.answer, end: call.record.end ?? env.now,
                         disposition: call.record.disposition, hangupSide: call.record.hangupSide, cause: call.record.cause,
                         decision: call.record.decision, decisionReason: call.record.decisionReason, pin: call.record.pin)
    }

    /// The call has its final state: record it and forget it once retransmissions are over.
    mutating func finish(_ id: UInt64, _ outbox: inout Outbox) {
        guard var call = calls[id], call.phase != .ended else { return }
        call.phase = .ended
        call.record.end = env.now
        outbox.cancelled += call.longTimers
        call.longTimers = []
        calls[id] = call
        var record = detailRecord(call)
        if let trunk = call.trunkInUse { outbound.trunkCallEnded(trunk.name, outbound: trunk.outbound) }
        call.trunkInUse = nil
        if let key = call.ledgerKey { outbox.reservationsEnded.append(key) }
        call.ledgerKey = nil
        // Closing the session stops a PIN prompt still playing.
        call.pin?.endpoint = nil
        if let session = call.media {
            (record.packetsFromCaller, record.packetsFromCallee) = session.packets
            outbox.closing.append(session)
        }
        if call.relayedFrom == nil { outbox.ended.append(record) }
        // What stays for the retransmissions: the final response, the ACKs, the indexes. Bodies and sent bytes go.
        call.media = nil
        call.lastProvisional = nil
        call.invite.body = []
        for index in call.forks.indices {
            call.forks[index].invite.bytes = []
            call.forks[index].invite.request.body = []
        }
        calls[id] = call
        let linger = env.timers.transactionTimeout
        outbox.after(linger, on: call.callerDialog.flow, .remove(call: id))
    }
}
