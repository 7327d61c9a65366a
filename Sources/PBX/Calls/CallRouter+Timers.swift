import Foundation
import Logging
import Media
import Model
import NIOCore
import SIPAuth
import SIPCore
import SIPStack
import Storage
import Synchronization

/// What happens when nobody speaks: retransmissions, ring timeout, maximum duration, silent media, and forgetting
/// ended calls.
extension CallRouter {
    // MARK: Timers

    /// Hangs up answered calls whose media went silent on both sides for `rtpTimeout` seconds (a phone that lost
    /// power or network never sends BYE). Called about once a second.
    public func sweep() {
        var outbox = Outbox()
        let limit = TimeAmount.seconds(Int64(rtpTimeout))
        table.withLock { table in
            let silent = table.calls.values.filter { $0.phase == .answered && ($0.media?.idle ?? .zero) > limit }.map(\.id)
            for id in silent { hangUp(id, side: "pbx", cause: "no RTP for \(rtpTimeout) s", &table, &outbox) }
        }
        carryOut(outbox)
    }

    func fire(_ timer: Timer) {
        var outbox = Outbox()
        table.withLock { table in
            switch timer {
            case .fork(let id, let index, let name):
                guard var call = table.calls[id], index < call.forks.count else { return }
                let now = elapsed
                let actions = call.forks[index].transaction.timerFired(name, now: now)
                let fork = call.forks[index]
                if actions.contains(.transmit) && call.phase != .ended {
                    outbox.send(fork.invite.bytes, on: fork.dialog.flow)
                    outbox.arm(fork.transaction.timers, only: name, now: now, on: fork.dialog.flow) { .fork(call: id, fork: index, name: $0) }
                }
                table.calls[id] = call
                if actions.contains(.timeout) {
                    call.forks[index].finalStatus = 408
                    table.calls[id] = call
                    forkFailed(id, cause: "no response from \(fork.trunk.map { "trunk '\($0.name)'" } ?? "the callee")", &table, &outbox)
                }
            case .finalRetransmit(let id, let interval, let elapsed):
                guard var call = table.calls[id], !call.callerAcknowledged, let final = call.finalResponse else { return }
                let limit = timers.transactionTimeout
                if elapsed >= limit {
                    call.callerAcknowledged = true
                    table.calls[id] = call
                    if final.status < 300 && call.phase == .answered {
                        hangUp(id, side: "caller", cause: "no ACK for the answer", &table, &outbox)
                    }
                    return
                }
                outbox.send(final.bytes, on: call.callerDialog.flow)
                let next = min(interval * 2, timers.t2)
                outbox.after(next, on: call.callerDialog.flow, .finalRetransmit(call: id, interval: next, elapsed: elapsed + next))
            case .outgoing(let key, let name):
                guard var pending = table.outgoing[key] else { return }
                let now = elapsed
                let actions = pending.transaction.timerFired(name, now: now)
                if actions.contains(.timeout) {
                    table.outgoing[key] = nil
                    table.relays[pending.outgoing.branch] = nil
                    return
                }
                table.outgoing[key] = pending
                if actions.contains(.transmit) {
                    outbox.send(pending.outgoing.bytes, on: pending.outgoing.flow)
                    outbox.arm(pending.transaction.timers, only: name, now: now, on: pending.outgoing.flow) { .outgoing(key: key, name: $0) }
                }
            case .ringTimeout(let id):
                guard var call = table.calls[id], call.awaitingAnswer else { return }
                call.record.disposition = .noAnswer
                call.record.cause = "ring timeout"
                stopRinging(&call, status: 480, &table, &outbox)
            case .maxDuration(let id):
                guard table.calls[id]?.phase == .answered else { return }
                hangUp(id, side: "pbx", cause: "maximum call duration reached", &table, &outbox)
            case .remove(let id):
                guard let call = table.calls.removeValue(forKey: id) else { return }
                table.byInvite[call.inviteKey] = nil
                table.byCallerCallID[call.callerDialog.callID] = nil
                for fork in call.forks {
                    table.byForkBranch[fork.invite.branch] = nil
                    table.byCalleeCallID[fork.dialog.callID] = nil
                }
            }
        }
        carryOut(outbox)
    }
}
