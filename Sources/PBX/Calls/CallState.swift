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

/// The B2BUA's state and every decision it makes (RFC 3261 sections 12-17 on both sides): an event in (a request, a
/// response, a timer, keyed digits, the media relay's sockets), the state changed and what to do next in an `Outbox`
/// (messages to send, timers to arm or cancel, records, events, prompts). It does no I/O and reads no clock: the
/// time, the settings, the routing and the lookups it needs come in its `env` with each event, so a test drives
/// it on a clock of its own. `CallRouter` holds it behind one mutex and carries the outbox out.
struct CallState: Sendable {
    typealias Receipt = CallRouter.Receipt

    /// A non-INVITE request the PBX sent, until its final response.
    struct Pending: Sendable {
        var call: UInt64
        var outgoing: OutgoingRequest
        /// Timers E and F; a final response removes the entry.
        var transaction: ClientNonInviteTransaction
    }

    /// A request relayed from one leg to the other, waiting for the other side's final response.
    struct Relay: Sendable {
        var call: UInt64
        var original: SIPRequest
        var replier: SIPReplier
        var toCallee: Bool
    }

    enum Timer: Sendable {
        case fork(call: UInt64, fork: Int, name: TransactionTimer.Name)
        case finalRetransmit(call: UInt64, interval: Duration, elapsed: Duration)
        case outgoing(key: String, name: TransactionTimer.Name)
        case ringTimeout(call: UInt64)
        case maxDuration(call: UInt64)
        case remove(call: UInt64)
    }

    /// What to do once the lock is released.
    struct Outbox {
        var sends: [(SIPReplier, [UInt8])] = []
        var timers: [(any EventLoop, Duration, Timer)] = []
        var ended: [CallDetailRecord] = []
        var closing: [MediaSession] = []
        var events: [PortcullisEvent] = []
        /// Outbound locks set: store them.
        var lockChanges: [OutboundLockChange] = []
        /// PIN prompts to start (the caller's side taken over) and to play on endpoints already taken.
        var pinPrompts: [(call: UInt64, session: MediaSession, collection: PINCollection)] = []
        var plays: [(call: UInt64, endpoint: MediaEndpoint, prompt: Prompt, collect: Bool)] = []
        var released: [MediaEndpoint] = []
        /// Where each side's media comes from, for the relay to accept (the address its SDP named, from the address its
        /// signalling came from).
        var mediaPeers: [(session: MediaSession, side: MediaSession.Side, host: String, port: Int, signalling: String)] = []
        /// Long timers of calls that ended or were answered.
        var cancelled: [Scheduled<Void>] = []
        /// Outbound attempts to book in the cluster's ledger before a trunk rings, and booked calls that ended.
        var reservations: [(call: UInt64, reservation: OutboundReservation)] = []
        var reservationsEnded: [String] = []
        /// Calls just answered, for the cluster's journal of calls up.
        var answered: [CallDetailRecord] = []

        mutating func send(_ bytes: [UInt8], on flow: SIPReplier) { sends.append((flow, bytes)) }
        mutating func after(_ delay: Duration, on flow: SIPReplier, _ timer: Timer) { timers.append((flow.eventLoop, delay, timer)) }

        /// Arms a transaction's timers (only `name` after one fired), each firing as `make(name)`.
        mutating func arm(_ transactionTimers: [TransactionTimer], only name: TransactionTimer.Name? = nil, now: Duration,
                          on flow: SIPReplier, _ make: (TransactionTimer.Name) -> Timer) {
            for timer in transactionTimers where name == nil || timer.name == name {
                after(timer.deadline - now, on: flow, make(timer.name))
            }
        }
    }

    var calls: [UInt64: Call] = [:]
    var byInvite: [ServerTransactionKey: UInt64] = [:]
    var byCallerCallID: [String: UInt64] = [:]
    var byForkBranch: [String: (call: UInt64, fork: Int)] = [:]
    var byCalleeCallID: [String: (call: UInt64, fork: Int)] = [:]
    /// Non-INVITE requests we sent (BYE, CANCEL, relayed), by branch and method, until answered.
    var outgoing: [String: Pending] = [:]
    var relays: [String: Relay] = [:]
    var nextID: UInt64 = 1
    /// Recent calls, locks and trunk loads the outbound policy decides with.
    var outbound = OutboundCallState()
    /// What the machine reads besides its own state, handed in with each event.
    var env: CallEnvironment

    init(env: CallEnvironment) {
        self.env = env
    }

    // MARK: Events

    /// A request that may belong to an existing call: INVITE retransmissions, ACK, CANCEL and requests inside a dialog.
    mutating func receive(_ request: SIPRequest, via: Via, callID: String, flow: SIPReplier, _ outbox: inout Outbox) -> Receipt {
        switch request.method {
        case .invite:
            guard let id = byInvite[ServerTransactionKey(via: via, method: .invite)], let call = calls[id] else { break }
            // A copied branch from elsewhere must not be answered with the call's tags.
            guard call.callerDialog.flow.peer.isSameFlow(as: flow.peer) else {
                outbox.send(SIPResponse(replyingTo: request, statusCode: 482, toTag: CallMessages.newTag()).serialized(), on: flow)
                return .forged(reason: "INVITE with another call's transaction from another source")
            }
            if let bytes = call.finalResponse?.bytes ?? call.lastProvisional { outbox.send(bytes, on: flow) }
            return .handled
        case .ack:
            acknowledge(request, via: via, callID: callID, peer: flow.peer)
            return .handled
        case .cancel:
            return cancel(request, via: via, flow: flow, &outbox)
        default:
            break
        }
        guard request.toTag != nil else { return .notMine }
        return inDialog(request, callID: callID, flow: flow, &outbox)
    }

    /// A response to something the PBX sent, matched by the branch of our Via.
    mutating func receive(_ response: SIPResponse, branch: String, cseq: CSeq, _ outbox: inout Outbox) {
        if cseq.method == .invite, let (id, index) = byForkBranch[branch] {
            forkResponse(response, call: id, fork: index, &outbox)
        } else if let relay = relays[branch], cseq.method != .cancel {
            if response.statusCode >= 200 {
                relays[branch] = nil
                outgoing[branch + cseq.method.rawValue] = nil
            }
            relayResponse(response, relay: relay, &outbox)
        } else if response.statusCode >= 200 {
            outgoing[branch + cseq.method.rawValue] = nil
        }
    }

    /// A new INVITE from extension `caller` once authenticated, or from `trunk` (then `caller` is the calling number,
    /// and only an inbound route can take the call), or relayed by another cluster node (`relayedFrom`: only this
    /// node's own devices of the extension ring, and the node that took the call from its caller records it). The
    /// immediate final response when the call cannot start (recorded as a refusal), else the call opened and the
    /// destinations to ring once the relay's sockets exist.
    mutating func invite(_ request: SIPRequest, caller: String, flow: SIPReplier, from trunk: RoutingTable.Trunk?, relayedFrom: String? = nil,
                         _ outbox: inout Outbox) -> (immediate: SIPResponse?, opened: (id: UInt64, contacts: [CallDestination])?) {
        let now = env.now
        let dialed = request.uri.sipURI?.user ?? request.toUser ?? ""
        /// The answer and call record of a refusal, as the table says.
        func refuse(_ reason: CallRefusalReason, _ detail: String? = nil) -> SIPResponse {
            var response = SIPResponse(replyingTo: request, statusCode: reason.status, toTag: CallMessages.newTag())
            let warning = reason.warns ? detail : nil
            if let warning { response.appendWarning(agent: "portcullis", warning) }
            if relayedFrom != nil { return response }
            outbox.ended.append(CallDetailRecord(
                callID: request.callID ?? "", caller: caller, callee: dialed, dialed: dialed, start: now, end: now, disposition: reason.disposition,
                cause: "\(reason.status) \(response.reasonPhrase)" + (warning.map { ": \($0)" } ?? ""),
                decision: reason.isPolicyDecision ? "refuse" : nil, decisionReason: reason.isPolicyDecision ? detail : nil))
            return response
        }
        guard let via = try? request.topVia(), let callID = request.callID, let from = try? request.from(), from.tag != nil,
              (try? request.cseq()) != nil else {
            return (refuse(.malformed, "missing or malformed Via, From tag, Call-ID or CSeq"), nil)
        }
        let maxForwards = ((try? request.maxForwards()) ?? nil) ?? 70
        guard maxForwards > 0 else { return (refuse(.loop), nil) }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard !request.body.isEmpty, contentType.hasPrefix("application/sdp") else { return (refuse(.noOffer, "an SDP offer is required"), nil) }
        do {
            _ = try SessionDescription(parsing: request.body)
        } catch {
            return (refuse(.noOffer, "unreadable SDP: \(error)"), nil)
        }
        let routing = env.routing
        let inbound = trunk.flatMap { _ in routing.inbound(dialed) }
        if trunk != nil && inbound == nil { return (refuse(.noInboundRoute, "no inbound route for \(dialed.prefix(32))"), nil) }
        if trunk != nil, let refusal = routing.policy.screenInbound(from: caller) { return (refuse(.blockedCaller, refusal.description), nil) }
        let target = inbound?.extension ?? dialed
        let settings = env.settings
        let contacts: [CallDestination]
        let isInternal = env.isExtension(target)
        if isInternal {
            contacts = env.destinations(target, caller, settings.advertisedHost, relayedFrom != nil)
        } else {
            if trunk != nil || relayedFrom != nil { return (refuse(.notAnExtension), nil) }
            contacts = []
        }
        let callerContact = (try? request.contacts().first).flatMap { contact -> String? in
            if case .address(let address) = contact { return address.uri.description }
            return nil
        } ?? request.uri.description

        guard calls.count < settings.maxCalls else { return (refuse(.callLimit, "call limit reached"), nil) }
        var verdict: CallVerdict?
        if !isInternal {
            let attempt = CallPolicy.Attempt(caller: caller, rules: env.rules(caller),
                                             dialed: dialed, defaultMaxDuration: settings.maxDuration)
            verdict = routing.policy.decide(attempt, state: outbound, now: now)
            switch verdict {
            case .refuse(let refusal):
                refused(refusal, caller: caller, dialed: dialed, now: now, routing: routing, &outbox)
                return (refuse(.policy(refusal.rule), refusal.description), nil)
            case .needsPIN where !env.relay:
                return (refuse(.pinNeedsRelay, "the route asks for a PIN, which needs the media relay (sip.media.relay)"), nil)
            default:
                break
            }
        } else if let trunk {
            guard routing.policy.hasCapacity(trunk.settings.name, outbound: false, state: outbound) else {
                return (refuse(.inboundTrunkFull, "trunk '\(trunk.settings.name)' is at its call limit"), nil)
            }
        }
        if isInternal && contacts.isEmpty { return (refuse(.notRegistered), nil) }
        let id = nextID
        nextID += 1
        let ourTag = CallMessages.newTag()
        let callerDialog = CallDialog(
            callID: callID, localTag: ourTag, remoteTag: from.tag,
            localAddress: CallMessages.withoutTag(request.headers[.to] ?? ""), remoteAddress: CallMessages.withoutTag(request.headers[.from] ?? ""),
            remoteTarget: callerContact, localSequence: 1, flow: flow,
            contact: CallMessages.contact(flow, user: target, advertised: settings.advertisedHost))
        var call = Call(id: id, caller: caller, callee: target, invite: request, inviteKey: ServerTransactionKey(via: via, method: .invite),
                        callerDialog: callerDialog, record: CallRecord(start: now))
        call.maxForwards = maxForwards - 1
        call.record.dialed = dialed
        call.relayedFrom = relayedFrom
        if let trunk, let inbound {
            call.fromTrunk = true
            call.record.trunk = trunk.settings.name
            call.record.route = inbound.name
            outbound.trunkCallStarted(trunk.settings.name, outbound: false)
            call.trunkInUse = (trunk.settings.name, false)
        }
        switch verdict {
        case .allow(let outbound):
            allowed(outbound, &call, routing: routing, now: now, &outbox)
        case .needsPIN(let route):
            guard let offer = PINPrompt.codecs(request.body) else { return (refuse(.pinNeedsG711, "the PIN prompt needs G.711 (PCMU or PCMA)"), nil) }
            call.pin = PINCollection(route: route, audioPayloadType: offer.audio, dtmfPayloadType: offer.dtmf)
            call.record.route = route
        default:
            break
        }
        let trying = CallMessages.response(to: request, status: 100, toTag: ourTag, contact: nil)
        call.lastProvisional = trying
        outbox.send(trying, on: flow)
        if call.pin == nil { outbox.after(.seconds(settings.ringTimeout), on: flow, .ringTimeout(call: id)) }
        calls[id] = call
        byInvite[call.inviteKey] = id
        byCallerCallID[callID] = id
        if !env.relay { ring(id, contacts, &outbox) }
        return (nil, (id, contacts))
    }

    /// The relay's sockets for call `id` are bound (or none were free): the caller's side learns the relay, and the
    /// callee's phones ring (or the PIN prompt starts). A session for a call that ended meanwhile is closed.
    mutating func mediaOpened(_ id: UInt64, _ session: MediaSession?, contacts: [CallDestination], _ outbox: inout Outbox) {
        guard var call = calls[id], call.phase == .ringing, call.finalResponse == nil, let session else {
            if var call = calls[id], call.phase == .ringing, call.finalResponse == nil {
                stopRinging(&call, .noMediaPorts, "no free media ports", &outbox)
            }
            return
        }
        if let target = CallMedia.audioTarget(call.invite.body) {
            outbox.mediaPeers.append((session, .caller, target.host, target.port, call.callerDialog.flow.peer.ip))
        }
        call.media = session
        calls[id] = call
        if call.pin != nil {
            promptForPIN(id, &outbox)
        } else {
            ring(id, contacts, &outbox)
        }
    }
}
