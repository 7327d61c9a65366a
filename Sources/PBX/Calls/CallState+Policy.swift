import Defense
import Events
import Foundation
import Media
import Model
import NIOCore
import SIPAuth
import SIPCore
import SIPStack

/// Carrying out the outbound policy's verdicts: the allowed call's route, trunks and limits, the refusal's event and
/// lock, and the PIN prompt of a route with a password.
extension CallState {
    /// A refusal's consequences besides the answer: its event, the attempt counted towards the frequency limit, and
    /// the lock a locking frequency rule sets.
    mutating func refused(_ refusal: CallRefusal, caller: String, dialed: String, now: Date, routing: RoutingTable, _ outbox: inout Outbox) {
        let reason = CallRefusalReason.policy(refusal.rule)
        if reason.countsTowardsFrequency { countAttempt(by: caller, routing: routing, now: now) }
        if let kind = reason.event {
            outbox.events.append(PortcullisEvent(kind, time: now, fields: ["extension": caller, "dialed": dialed, "rule": refusal.rule.rawValue,
                                                                            "reason": refusal.detail]))
        }
        if refusal.locksExtension { lock(caller, reason: refusal.detail, now: now, &outbox) }
    }

    mutating func lock(_ caller: String, reason: String, now: Date, _ outbox: inout Outbox) {
        outbound.lock(caller, reason: reason, at: now)
        outbox.events.append(PortcullisEvent(EventCatalogue.outboundLocked, time: now, fields: ["extension": caller, "reason": reason]))
        outbox.locks = outbound.locks
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
