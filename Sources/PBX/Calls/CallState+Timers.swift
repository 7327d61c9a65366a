import Defense
import Events
import Foundation
import Media
import Model
import NIOCore
import SIPStack

/// What happens when nobody speaks: retransmissions, ring timeout, maximum duration, silent media, forgetting ended
/// calls; and the caller's keyed PIN.
extension CallState {
    mutating func fire(_ timer: Timer, _ outbox: inout Outbox) {
        switch timer {
        case .fork(let id, let index, let name):
            guard var call = calls[id], index < call.forks.count else { return }
            let now = env.elapsed
            let actions = call.forks[index].transaction.timerFired(name, now: now)
            let fork = call.forks[index]
            if actions.contains(.transmit) && call.phase != .ended {
                outbox.send(fork.invite.bytes, on: fork.dialog.flow)
                outbox.arm(fork.transaction.timers, only: name, now: now, on: fork.dialog.flow) { .fork(call: id, fork: index, name: $0) }
            }
            calls[id] = call
            if actions.contains(.timeout) {
                call.forks[index].finalStatus = 408
                calls[id] = call
                forkFailed(id, cause: "no response from \(fork.trunk.map { "trunk '\($0.name)'" } ?? "the callee")", &outbox)
            }
        case .finalRetransmit(let id, let interval, let elapsed):
            guard var call = calls[id], !call.callerAcknowledged, let final = call.finalResponse else { return }
            let limit = env.timers.transactionTimeout
            if elapsed >= limit {
                call.callerAcknowledged = true
                calls[id] = call
                if final.status < 300 && call.phase == .answered {
                    hangUp(id, side: "caller", cause: "no ACK for the answer", &outbox)
                }
                return
            }
            outbox.send(final.bytes, on: call.callerDialog.flow)
            let next = min(interval * 2, env.timers.t2)
            outbox.after(next, on: call.callerDialog.flow, .finalRetransmit(call: id, interval: next, elapsed: elapsed + next))
        case .outgoing(let key, let name):
            guard var pending = outgoing[key] else { return }
            let now = env.elapsed
            let actions = pending.transaction.timerFired(name, now: now)
            if actions.contains(.timeout) {
                outgoing[key] = nil
                relays[pending.outgoing.branch] = nil
                return
            }
            outgoing[key] = pending
            if actions.contains(.transmit) {
                outbox.send(pending.outgoing.bytes, on: pending.outgoing.flow)
                outbox.arm(pending.transaction.timers, only: name, now: now, on: pending.outgoing.flow) { .outgoing(key: key, name: $0) }
            }
        case .ringTimeout(let id):
            guard var call = calls[id], call.awaitingAnswer else { return }
            call.record.disposition = .noAnswer
            call.record.cause = "ring timeout"
            stopRinging(&call, status: 480, &outbox)
        case .maxDuration(let id):
            guard calls[id]?.phase == .answered else { return }
            hangUp(id, side: "pbx", cause: "maximum call duration reached", &outbox)
        case .remove(let id):
            guard let call = calls.removeValue(forKey: id) else { return }
            byInvite[call.inviteKey] = nil
            byCallerCallID[call.callerDialog.callID] = nil
            for fork in call.forks {
                byForkBranch[fork.invite.branch] = nil
                byCalleeCallID[fork.dialog.callID] = nil
            }
        }
    }

    /// Hangs up answered calls whose media went silent on both sides for `rtpTimeout` seconds (a phone that lost
    /// power or network never sends BYE).
    mutating func sweep(_ outbox: inout Outbox) {
        let limit = TimeAmount.seconds(Int64(env.rtpTimeout))
        let silent = calls.values.filter { $0.phase == .answered && ($0.media?.idle ?? .zero) > limit }.map(\.id)
        for id in silent { hangUp(id, side: "pbx", cause: "no RTP for \(env.rtpTimeout) s", &outbox) }
    }

    /// The caller keyed digits (nil: nothing before the timeout). Right: decide again and ring the trunk. Wrong:
    /// counted towards the extension's lockout; after the third try the call ends.
    mutating func pinEntered(_ id: UInt64, _ digits: String?, _ outbox: inout Outbox) {
        let now = env.now
        let routing = env.routing
        let settings = env.settings
        guard var call = calls[id], call.phase == .ringing, var collection = call.pin, !collection.accepted,
              let endpoint = collection.endpoint else { return }
        let pin = routing.policy.pin(route: collection.route)
        if let digits, let pin, let entry = pin.entry(for: digits, fingerprint: env.fingerprint) {
            collection.accepted = true
            call.pin = collection
            if pin.record { call.record.pin = entry }
            outbox.released.append(endpoint)
            let rules = env.rules(call.caller)
            let attempt = CallPolicy.Attempt(caller: call.caller, rules: rules, dialed: call.record.dialed, pinAccepted: true,
                                             defaultMaxDuration: settings.maxDuration)
            switch routing.policy.decide(attempt, state: outbound, now: now) {
            case .allow(let outbound):
                allowed(outbound, &call, routing: routing, now: now, &outbox)
                calls[id] = call
                outbox.after(.seconds(settings.ringTimeout), on: call.callerDialog.flow, .ringTimeout(call: id))
                ring(id, [], &outbox)
            case .refuse(let refusal):
                refused(refusal, caller: call.caller, dialed: call.record.dialed, now: now, routing: routing, &outbox)
                stopRinging(&call, .policy(refusal.rule), refusal.description, &outbox)
            case .needsPIN(let route):
                stopRinging(&call, .routingChanged, "the routing changed while the PIN was keyed (now route '\(route)')", &outbox)
            }
            return
        }
        collection.tries += 1
        let lockout = routing.policy.settings.pinLockout
        if digits != nil, outbound.countWrongPIN(by: call.caller, at: now, lockout: lockout) {
            lock(call.caller, reason: "\(lockout.failures) wrong PINs within \(lockout.minutes) minutes", now: now, &outbox)
        }
        call.pin = collection
        if collection.tries >= CallRouter.pinTries {
            let reason = CallRefusalReason.policy(.wrongPIN)
            call.record.stop(reason, "\(CallRule.wrongPIN.rawValue): \(collection.tries) wrong PINs for route '\(collection.route)'")
            if let kind = reason.event {
                outbox.events.append(PortcullisEvent(kind, time: now, fields: [
                    "extension": call.caller, "dialed": call.record.dialed, "route": collection.route, "tries": String(collection.tries),
                ]))
            }
            outbox.plays.append((id, endpoint, .goodbye, false))
        } else {
            outbox.plays.append((id, endpoint, Prompt.pinInvalid.followed(by: .enterPIN), true))
        }
        calls[id] = call
    }

    /// After the goodbye: the caller gets a BYE.
    mutating func pinGoodbyePlayed(_ id: UInt64, _ outbox: inout Outbox) {
        guard var call = calls[id], call.phase == .ringing, call.answeredEarly else { return }

        stopRinging(&call, status: 403, &outbox)
    }
}
