import Defense
import Events
import Foundation
import Media
import Model
import SIPAuth
import NIOCore
import Storage
import Synchronization

/// Carrying out the outbound policy's verdicts: the allowed call's route, trunks and limits, the refusal's event
/// and lock, and the PIN prompt of a route with a password (the PBX answers the caller, collects RFC 4733
/// digits, and rings the trunk once the PIN is right).
extension CallRouter {
    static let pinTries = 3

    /// Extensions locked for outbound calls (call frequency or wrong PINs), until an administrator unlocks them.
    public var outboundLocks: [String: OutboundLock] { table.withLock { $0.outbound.locks } }

    /// Locks kept in the store, at start.
    public func restore(locks: [String: OutboundLock]) {
        table.withLock { table in
            for (number, lock) in locks { table.outbound.lock(number, reason: lock.reason, at: lock.since) }
        }
    }

    /// Lifts an extension's outbound lock (and forgets its recent calls and wrong PINs); the locks left, or nil when it
    /// was not locked.
    public func unlockOutbound(_ number: String) -> [String: OutboundLock]? {
        table.withLock { table in table.outbound.unlock(number) ? table.outbound.locks : nil }
    }

    /// A refusal's consequences besides the answer: its event, the attempt counted towards the frequency limit, and
    /// the lock a locking frequency rule sets.
    func refused(_ refusal: CallRefusal, caller: String, dialed: String, now: Date, routing: RoutingTable, _ table: inout Table,
                 _ outbox: inout Outbox) {
        let reason = CallRefusalReason.policy(refusal.rule)
        if reason.countsTowardsFrequency { countAttempt(by: caller, routing: routing, now: now, &table) }
        if let kind = reason.event {
            outbox.events.append(PortcullisEvent(kind, time: now, fields: ["extension": caller, "dialed": dialed, "rule": refusal.rule.rawValue,
                                                                            "reason": refusal.detail]))
        }
        if refusal.locksExtension { lock(caller, reason: refusal.detail, now: now, &table, &outbox) }
    }

    func lock(_ caller: String, reason: String, now: Date, _ table: inout Table, _ outbox: inout Outbox) {
        table.outbound.lock(caller, reason: reason, at: now)
        outbox.events.append(PortcullisEvent(EventCatalogue.outboundLocked, time: now, fields: ["extension": caller, "reason": reason]))
        outbox.locks = table.outbound.locks
    }

    /// The call goes out: through the verdict's route and trunks, with its duration limit, counted for frequency.
    func allowed(_ outbound: OutboundCall, _ call: inout Call, routing: RoutingTable, now: Date, _ table: inout Table, _ outbox: inout Outbox) {
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
            countAttempt(by: call.caller, routing: routing, now: now, &table)
        }
    }

    private func countAttempt(by caller: String, routing: RoutingTable, now: Date, _ table: inout Table) {
        let rules = directory.credentials(number: caller)?.calls ?? ExtensionCallRules()
        table.outbound.recordCall(by: caller, at: now, keep: routing.policy.callsRemembered(for: rules))
    }

    /// Answers the caller with the relay's port and starts the PIN prompt once the lock is released.
    func promptForPIN(_ id: UInt64, _ table: inout Table, _ outbox: inout Outbox) {
        guard var call = table.calls[id], let session = call.media, let collection = call.pin else { return }
        let host = CallMessages.host(call.callerDialog.flow, advertised: settings.withLock { $0.advertisedHost })
        sendFinal(200, to: &call, body: PINPrompt.offer(host: host, port: session.port(facing: .caller), collection), contentType: "application/sdp",
                  &outbox)
        table.calls[id] = call
        outbox.pinPrompts.append((id, session, collection))
    }

    /// The caller keyed digits (nil: nothing before the timeout). Right: decide again and ring the trunk. Wrong:
    /// counted towards the extension's lockout; after the third try the call ends.
    func pinEntered(_ id: UInt64, _ digits: String?) {
        var outbox = Outbox()
        let now = Date()
        let routing = routing.withLock { $0 }
        let settings = settings.withLock { $0 }
        table.withLock { table in
            guard var call = table.calls[id], call.phase == .ringing, var collection = call.pin, !collection.accepted,
                  let endpoint = collection.endpoint else { return }
            let pin = routing.policy.pin(route: collection.route)
            if let digits, let pin, let entry = pin.entry(for: digits, fingerprint: secrets.fingerprint) {
                collection.accepted = true
                call.pin = collection
                if pin.record { call.record.pin = entry }
                outbox.released.append(endpoint)
                let rules = directory.credentials(number: call.caller)?.calls ?? ExtensionCallRules()
                let attempt = CallPolicy.Attempt(caller: call.caller, rules: rules, dialed: call.record.dialed, pinAccepted: true,
                                                 defaultMaxDuration: settings.maxDuration)
                switch routing.policy.decide(attempt, state: table.outbound, now: now) {
                case .allow(let outbound):
                    allowed(outbound, &call, routing: routing, now: now, &table, &outbox)
                    table.calls[id] = call
                    outbox.after(.seconds(settings.ringTimeout), on: call.callerDialog.flow, .ringTimeout(call: id))
                    ring(id, [], &table, &outbox)
                case .refuse(let refusal):
                    refused(refusal, caller: call.caller, dialed: call.record.dialed, now: now, routing: routing, &table, &outbox)
                    stopRinging(&call, .policy(refusal.rule), refusal.description, &table, &outbox)
                case .needsPIN(let route):
                    stopRinging(&call, .routingChanged, "the routing changed while the PIN was keyed (now route '\(route)')", &table, &outbox)
                }
                return
            }
            collection.tries += 1
            let lockout = routing.policy.settings.pinLockout
            if digits != nil, table.outbound.countWrongPIN(by: call.caller, at: now, lockout: lockout) {
                lock(call.caller, reason: "\(lockout.failures) wrong PINs within \(lockout.minutes) minutes", now: now, &table, &outbox)
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
            table.calls[id] = call
        }
        carryOut(outbox)
    }

    /// After the goodbye: the caller gets a BYE.
    func pinGoodbyePlayed(_ id: UInt64) {
        var outbox = Outbox()
        table.withLock { table in
            guard var call = table.calls[id], call.phase == .ringing, call.answeredEarly else { return }
            stopRinging(&call, status: 403, &table, &outbox)
        }
        carryOut(outbox)
    }

    /// The prompts of an outbox, carried out once the table's lock is released.
    func startPrompts(_ outbox: Outbox) {
        for prompt in outbox.pinPrompts {
            let collection = prompt.collection
            let endpoint = prompt.session.takeOver(.caller, audioPayloadType: collection.audioPayloadType, dtmfPayloadType: collection.dtmfPayloadType)
            let current = table.withLock { table -> Bool in
                guard table.calls[prompt.call]?.phase == .ringing else { return false }
                table.calls[prompt.call]?.pin?.endpoint = endpoint
                return true
            }
            guard current else {
                endpoint.release()
                continue
            }
            endpoint.play(.enterPIN, collecting: DigitRequest()) { [self] in pinEntered(prompt.call, $0) }
        }
        for play in outbox.plays {
            let id = play.call
            if play.collect {
                play.endpoint.play(play.prompt, collecting: DigitRequest()) { [self] in pinEntered(id, $0) }
            } else {
                play.endpoint.play(play.prompt, collecting: nil) { [self] _ in pinGoodbyePlayed(id) }
            }
        }
        for endpoint in outbox.released { endpoint.release() }
    }
}
