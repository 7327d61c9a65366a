import Defense
import Events
import Foundation
import Media
import Model
import NIOCore
import SIPAuth
import SIPCore
import SIPStack

/// Destinations' answers to INVITE (provisional, 2xx, failures, a provider's challenge) and the far side's answers to
/// relayed requests.
extension CallState {
    mutating func forkResponse(_ response: SIPResponse, call id: UInt64, fork index: Int, _ outbox: inout Outbox) {
        guard var call = calls[id] else { return }
        var fork = call.forks[index]
        let status = response.statusCode
        let actions = fork.transaction.responseReceived(statusCode: status, now: env.elapsed)
        let toTag = response.toTag
        if actions.contains(.sendAck) {
            outbox.send(nonSuccessAck(fork, response: response), on: fork.dialog.flow)
        }
        guard actions.contains(.passToUser) || (200..<300).contains(status) else {
            call.forks[index] = fork
            calls[id] = call
            return
        }
        switch status {
        case 100..<200:
            // Any provisional, 100 included, stops the INVITE's retransmission and allows a CANCEL (RFC 3261 section
            // 9.1); the caller already has our own 100, so only 101-199 are passed on.
            fork.provisional = true
            if let toTag { fork.dialog.remoteTag = toTag }
            if status > 100 && call.phase == .ringing && call.finalResponse == nil {
                let bytes = CallMessages.response(to: call.invite, status: status, reason: response.reasonPhrase, toTag: call.callerDialog.localTag,
                                                  contact: call.callerDialog.contact, body: relayed(response.body, from: .callee, of: call, fork: fork, &outbox),
                                                  contentType: response.headers[.contentType])
                call.lastProvisional = bytes
                outbox.send(bytes, on: call.callerDialog.flow)
            }
            if fork.cancelled { sendCancel(fork, call: id, &outbox) }
        case 200..<300:
            if let toTag { fork.dialog.remoteTag = toTag }
            if let contact = (try? response.contacts().first), case .address(let address) = contact {
                fork.dialog.remoteTarget = address.uri.description
            }
            if fork.ack == nil {
                var dialog = fork.dialog
                fork.ack = dialog.request(.ack, sequence: fork.invite.request.cseqNumber).bytes
            }
            if let ack = fork.ack { outbox.send(ack, on: fork.dialog.flow) }
            let firstAnswer = fork.finalStatus == nil
            fork.finalStatus = status
            call.forks[index] = fork
            if call.awaitingAnswer && call.winner == nil {
                call.winner = index
                call.phase = .answered
                call.record.answer = env.now
                call.record.disposition = .answered
                if env.journaling && call.relayedFrom == nil { outbox.answered.append(detailRecord(call)) }
                let answer = relayed(response.body, from: .callee, of: call, fork: fork, &outbox)
                // Answered early for the PIN, the caller already has its 200; the callee's answer only connects media.
                if !call.answeredEarly { sendFinal(status, to: &call, body: answer, contentType: response.headers[.contentType], &outbox) }
                cancelForks(&call, &outbox)
                outbox.cancelled += call.longTimers
                call.longTimers = []
                outbox.after(.seconds(call.maxDuration ?? env.settings.maxDuration), on: call.callerDialog.flow, .maxDuration(call: id))
            } else if call.winner != index && firstAnswer {
                // A second answer (forking race) or an answer after the caller gave up: take it and end it.
                let bye = call.forks[index].dialog.request(.bye)
                send(bye, call: id, &outbox)
            }
            calls[id] = call
            return
        default:
            if status == 401 || status == 407, call.awaitingAnswer,
               let answered = answerChallenge(response, fork: fork, call: call) {
                // The provider wants credentials: the same INVITE again, answering its challenge, once.
                byForkBranch[fork.invite.branch] = nil
                call.forks[index] = answered
                byForkBranch[answered.invite.branch] = (id, index)
                outbox.send(answered.invite.bytes, on: answered.dialog.flow)
                outbox.arm(answered.transaction.timers, now: env.elapsed, on: answered.dialog.flow) { .fork(call: id, fork: index, name: $0) }
                calls[id] = call
                return
            }
            fork.finalStatus = status
            call.forks[index] = fork
            calls[id] = call
            forkFailed(id, cause: "\(status) \(response.reasonPhrase)", &outbox)
            return
        }
        call.forks[index] = fork
        calls[id] = call
    }

    /// `fork`'s INVITE again with credentials for the provider's 401/407, or nil when it has none to give or already
    /// answered a challenge (a second one means the credentials are wrong).
    func answerChallenge(_ response: SIPResponse, fork: Call.Fork, call: Call) -> Call.Fork? {
        guard !fork.answeredChallenge, let username = fork.trunk?.username, let password = fork.trunk?.password,
              let header = response.headers[response.statusCode == 401 ? .wwwAuthenticate : .proxyAuthenticate],
              let challenge = try? DigestChallenge(parsing: header) else { return nil }
        var answered = fork
        let credentials = DigestCredentials(answering: challenge, username: username, password: password, method: .invite,
                                            uri: fork.dialog.remoteTarget, cnonce: CallMessages.token())
        answered.invite = answered.dialog.request(
            .invite, body: fork.invite.request.body, contentType: fork.invite.request.headers[.contentType], maxForwards: call.maxForwards,
            extra: [(.allow, SIPRequestDispatcher.allowed),
                    (response.statusCode == 401 ? .authorization : .proxyAuthorization, credentials.headerValue)])
        answered.transaction = ClientInviteTransaction(reliable: fork.dialog.flow.peer.transport.isReliable, now: env.elapsed, timers: env.timers)
        answered.answeredChallenge = true
        answered.provisional = false
        return answered
    }

    /// A destination gave up. Once every one has, the call fails over to the route's next trunk, or the caller
    /// gets the best answer (busy if anyone was busy); a busy callee or a cancelled call never fails over.
    mutating func forkFailed(_ id: UInt64, cause: String, _ outbox: inout Outbox) {
        guard var call = calls[id], call.awaitingAnswer, call.forks.allSatisfy({ $0.finalStatus != nil }) else { return }
        let final = CallState.callerStatus(call.forks.compactMap(\.finalStatus))
        let busy = final == 486 || final == 600 || final == 603
        if !busy && !call.pendingTrunks.isEmpty {
            ring(id, [], &outbox)
            return
        }
        call.record.disposition = busy ? .busy : .failed
        call.record.hangupSide = "callee"
        call.record.cause = cause
        stopRinging(&call, status: final, &outbox)
    }

    /// The one answer the caller gets when every contact failed: busy if anyone was busy, else the first failure.
    static func callerStatus(_ statuses: [Int]) -> Int {
        if let busy = statuses.first(where: { [486, 600, 603].contains($0) }) { return busy }
        if statuses.allSatisfy({ $0 == 408 || $0 == 487 }) { return 480 }
        return statuses.first { $0 != 408 && $0 != 487 } ?? 480
    }

    mutating func relayResponse(_ response: SIPResponse, relay: Relay, _ outbox: inout Outbox) {
        guard response.statusCode > 100, var call = calls[relay.call] else { return }
        if relay.original.method == .invite && (200..<300).contains(response.statusCode), let winner = call.winner,
           let cseq = try? response.cseq() {
            // We ACK the far side's 2xx at once and absorb the near side's ACK.
            if relay.toCallee {
                outbox.send(call.forks[winner].dialog.request(.ack, sequence: cseq.sequence).bytes, on: call.forks[winner].dialog.flow)
            } else {
                outbox.send(call.callerDialog.request(.ack, sequence: cseq.sequence).bytes, on: call.callerDialog.flow)
            }
        }
        let tag = relay.toCallee ? call.callerDialog.localTag : call.winner.map { call.forks[$0].dialog.localTag }
        let contact = relay.toCallee ? call.callerDialog.contact : call.winner.map { call.forks[$0].dialog.contact }
        let body = call.answered.map { relayed(response.body, from: relay.toCallee ? .callee : .caller, of: call, fork: $0, &outbox) } ?? response.body
        let bytes = CallMessages.response(to: relay.original, status: response.statusCode, reason: response.reasonPhrase, toTag: tag ?? "",
                                          contact: contact, body: body, contentType: response.headers[.contentType])
        outbox.send(bytes, on: relay.replier)
        calls[relay.call] = call
    }
}
