import Defense
import Events
import Foundation
import Media
import Model
import NIOCore
import SIPAuth
import SIPCore
import SIPStack
import Storage

/// Carrying out the outbound policy's verdicts: the allowed call's route, trunks and limits, the refusal's event and
/// lock, and the PIN prompt of a route with a password.
extension CallState {
    /// A refusal's consequences besides the answer: its event, the attempt counted towards the frequency limit, and
    /// the lock a locking frequency rule sets.
    mutating func refused(_ refusal: CallRefusal, caller: String, dialed: String, now: Date, routing: RoutingTable, counted: Bool = false,
                          _ outbox: inout Outbox) {
        let reason = CallRefusalReason.policy(refusal.rule)
        if reason.countsTowardsFrequency && !counted { countAttempt(by: caller, routing: routing, now: now) }
        if let kind = reason.event {
            outbox.events.append(PortcullisEvent(kind, time: now, fields: ["extension": caller, "dialed": dialed, "rule": refusal.rule.rawValue,
                                                                            "reason": refusal.detail]))
        }
        if refusal.locksExtension { lock(caller, reason: refusal.detail, now: now, &outbox) }
    }

    mutating func lock(_ caller: String, reason: String, now: Date, _ outbox: inout Outbox) {
        outbound.lock(caller, reason: reason, at: now)
        outbox.events.append(PortcullisEvent(EventCatalogue.outboundLocked, time: now, fields: ["extension": caller, "reason": reason]))
        outbox.lockChanges.append(.locked(caller, OutboundLock(reason: reason, since: now)))
    }

    /// The call goes out: through the verdict's route and trunks, with its duration limit, counted for frequency.
    mutating func allowed(_ outbound: OutboundCall, _ call: inout Call, routing: RoutingTable, now: Date, _ outbox: inout Outbox) {
        call.record.route = outbound.route
        call.record.sent = outbound.number
        call.record.decision = "allow"
        call.record.decisionReason = outbound.emergency ? "emergency: \(call.record.dialed) is an emergency number"
            : "route '\(outbound.route)' via \(outbound.trunks.joined(separator: ", "))"
        call.pendingTrunks = outbound.trunks.compactMap { routing.trunk(named: $0) }
        call.maxDuration = outbound.maxDuration
        call.emergency = outbound.emergency
        if outbound.emergency {
            outbox.events.append(PortcullisEvent(EventCatalogue.emergencyCall, time: now, fields: [
                "extension": call.caller, "dialed": call.record.dialed, "sent": outbound.number, "route": outbound.route,
            ]))
        } else {
            countAttempt(by: call.caller, routing: routing, now: now)
        }
    }

    mutating func countAttempt(by caller: String, routing: RoutingTable, now: Date) {
        let rules = env.rules(caller)
        outbound.recordCall(by: caller, at: now, keep: routing.policy.callsRemembered(for: rules))
    }

    /// The attempt as the cluster's ledger decides it: the caller's frequency limits and the route's remaining trunks.
    func reservation(for call: Call, node: String) -> OutboundReservation {
        let policy = env.routing.policy
        let rule = policy.frequencyRule(for: env.rules(call.caller))
        return OutboundReservation(
            key: CallMessages.token() + "@" + node, caller: call.caller, node: node, time: env.now,
            limits: rule.limits.compactMap { limit in limit.period.map { OutboundReservation.Limit(calls: limit.calls, seconds: $0) } },
            trunks: call.pendingTrunks.map { OutboundReservation.Trunk(name: $0.settings.name, limit: policy.outboundLimit(of: $0.settings.name)) })
    }

    /// The ledger's answer for call `id`: granted, the call rings on the trunk it booked (and frees it at the end);
    /// refused, the call is refused as the policy refuses it on one node (event, lock); no answer (the store is
    /// unreachable), the node's own counts, which already let it through, decide. A call that ended meanwhile gives
    /// its booking back.
    mutating func reserved(_ id: UInt64, _ reservation: OutboundReservation, _ answer: OutboundReservation.Answer?, _ outbox: inout Outbox) {
        guard var call = calls[id], call.awaitingAnswer else {
            if case .granted = answer { outbox.reservationsEnded.append(reservation.key) }
            return
        }
        let policy = env.routing.policy
        let refusal: CallRefusal
        switch answer {
        case .granted(let trunk)?:
            call.ledgerKey = reservation.key
            call.pendingTrunks = call.pendingTrunks.filter { $0.settings.name == trunk }
            calls[id] = call
            ring(id, [], &outbox)
            return
        case nil:
            calls[id] = call
            ring(id, [], &outbox)
            return
        case .frequencyExceeded(let limit)?:
            refusal = policy.frequencyRefusal(call.caller, FrequencyRule.Limit(calls: limit.calls, seconds: limit.seconds),
                                              of: policy.frequencyRule(for: env.rules(call.caller)))
        case .trunksBusy?:
            refusal = policy.trunksBusyRefusal(call.record.route ?? "")
        }
        refused(refusal, caller: call.caller, dialed: call.record.dialed, now: env.now, routing: env.routing, counted: true, &outbox)
        stopRinging(&call, .policy(refusal.rule), refusal.description, warning: refusal.description, &outbox)
    }

    /// Answers the caller with the relay's port and starts the PIN prompt once the lock is released.
    mutating func promptForPIN(_ id: UInt64, _ outbox: inout Outbox) {
        guard var call = calls[id], let session = call.media, let collection = call.pin else { return }
        let host = CallMessages.host(call.callerDialog.flow, advertised: env.settings.advertisedHost)
        sendFinal(200, to: &call, body: PINPrompt.offer(host: host, port: session.port(facing: .caller), collection), contentType: "application/sdp",
                  &outbox)
        calls[id] = call
        outbox.pinPrompts.append((id, session, collection))
    }
}
