import Defense
import Events
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

/// The B2BUA (RFC 3261 sections 12-17 on both sides): an authenticated INVITE from an extension becomes one call
/// leg per registered contact of the callee; responses, CANCEL, BYE and in-dialog requests are relayed between the
/// legs; everything the PBX sends over UDP is retransmitted until answered. Runs on the event loops: the table is
/// behind one mutex held for microseconds, messages go out after it is released, and timers are NIO scheduled
/// tasks on the flow's loop.
public final class CallRouter: Sendable {
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

    struct Table: Sendable {
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
        /// The outbound locks changed: store them.
        var locks: [String: OutboundLock]?
        /// PIN prompts to start (the caller's side taken over) and to play on endpoints already taken.
        var pinPrompts: [(call: UInt64, session: MediaSession, collection: PINCollection)] = []
        var plays: [(call: UInt64, endpoint: MediaEndpoint, prompt: Prompt, collect: Bool)] = []
        var released: [MediaEndpoint] = []

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

    let table = Mutex(Table())
    let routing = Mutex(RoutingTable())
    let settings: Mutex<CallSettings>
    let timers: TransactionTimers
    let location: LocationService
    let directory: ExtensionDirectory
    let flows: SIPFlowTable
    /// Nil when media flows directly between the phones (`sip.media.relay: false`).
    let media: MediaRelay?
    let rtpTimeout: Int
    let logger: Logger
    let onEnded: @Sendable (CallDetailRecord) -> Void
    let onEvent: @Sendable (PortcullisEvent) -> Void
    let onLocksChanged: @Sendable ([String: OutboundLock]) -> Void
    /// Keyed PINs are compared as its fingerprints.
    let secrets: SecretBox
    let start = ContinuousClock.now

    public init(settings: CallSettings = CallSettings(), timers: TransactionTimers = TransactionTimers(), location: LocationService,
                directory: ExtensionDirectory, flows: SIPFlowTable, media: MediaRelay? = nil, rtpTimeout: Int = 60, secrets: SecretBox, logger: Logger,
                onEnded: @escaping @Sendable (CallDetailRecord) -> Void = { _ in }, onEvent: @escaping @Sendable (PortcullisEvent) -> Void = { _ in },
                onLocksChanged: @escaping @Sendable ([String: OutboundLock]) -> Void = { _ in }) {
        self.onEvent = onEvent
        self.onLocksChanged = onLocksChanged
        self.secrets = secrets
        self.media = media
        self.rtpTimeout = rtpTimeout
        self.settings = Mutex(settings)
        self.timers = timers
        self.location = location
        self.directory = directory
        self.flows = flows
        self.logger = logger
        self.onEnded = onEnded
    }

    /// New trunks and routes apply to the next call.
    public func update(routing table: RoutingTable) { routing.withLock { $0 = table } }

    /// The trunks and routes in use.
    public var routingTable: RoutingTable { routing.withLock { $0 } }

    /// The trunk a source address belongs to: its calls come in without a challenge.
    public func trunk(from ip: String) -> RoutingTable.Trunk? { routing.withLock { $0.trunk(from: ip) } }

    /// New limits apply to the next call; the ring and duration timers of running calls keep theirs.
    public func update(_ settings: CallSettings) { self.settings.withLock { $0 = settings } }

    /// Calls in the table (ringing, answered, or ended and still absorbing retransmissions).
    public var count: Int { table.withLock { $0.calls.count } }
    public var pendingRequests: Int { table.withLock { $0.outgoing.count + $0.relays.count } }

    // MARK: Requests

    /// What `receive` made of a request.
    public enum Receipt: Sendable, Equatable {
        /// Not part of a call: the dispatcher handles it (a new INVITE, REGISTER, OPTIONS, ...).
        case notMine
        case handled
        /// Claimed a call it does not belong to (unknown dialog, wrong tags, another source): refused, and to be
        /// counted like a failed guess from its source.
        case forged(reason: String)
    }

    /// Takes what belongs to an existing call: INVITE retransmissions, ACK, CANCEL and requests inside a dialog
    /// (To has a tag). A call is found by its Call-ID and admits a request only with the dialog's tags and from the
    /// flow its party uses, so knowing a Call-ID is not enough to end, move or hear a call.
    public func receive(_ request: SIPRequest, replier: SIPReplier) -> Receipt {
        guard request.method != .register, let via = try? request.topVia(), let callID = request.callID else { return .notMine }
        let flow = replier.detached
        var outbox = Outbox()
        let receipt: Receipt = table.withLock { table in
            switch request.method {
            case .invite:
                guard let id = table.byInvite[ServerTransactionKey(via: via, method: .invite)], let call = table.calls[id] else { break }
                // A copied branch from elsewhere must not be answered with the call's tags.
                guard call.callerDialog.flow.peer.isSameFlow(as: flow.peer) else {
                    outbox.send(SIPResponse(replyingTo: request, statusCode: 482, toTag: CallMessages.newTag()).serialized(), on: flow)
                    return .forged(reason: "INVITE with another call's transaction from another source")
                }
                if let bytes = call.finalResponse?.bytes ?? call.lastProvisional { outbox.send(bytes, on: flow) }
                return .handled
            case .ack:
                acknowledge(request, via: via, callID: callID, peer: flow.peer, &table)
                return .handled
            case .cancel:
                return cancel(request, via: via, flow: flow, &table, &outbox)
            default:
                break
            }
            guard (try? request.to())?.tag != nil else { return .notMine }
            return inDialog(request, callID: callID, flow: flow, &table, &outbox)
        }
        carryOut(outbox)
        return receipt
    }

    /// A new INVITE: from extension `caller` once authenticated, or from `trunk` (then `caller` is the calling
    /// number, and only an inbound route can take the call: a trunk never reaches another trunk through us). Answers
    /// itself (100 Trying, then what the callee says); returns an immediate final response instead when the call
    /// cannot start (recorded as a failed attempt).
    public func invite(_ request: SIPRequest, caller: String, replier: SIPReplier, from trunk: RoutingTable.Trunk? = nil,
                       now: Date = Date()) -> SIPResponse? {
        let dialed = request.uri.sipURI?.user ?? request.toUser ?? ""
        /// The answer and call record of a refusal, as the table says.
        func refuse(_ reason: CallRefusalReason, _ detail: String? = nil) -> SIPResponse {
            var response = SIPResponse(replyingTo: request, statusCode: reason.status, toTag: CallMessages.newTag())
            let warning = reason.warns ? detail : nil
            if let warning { response.appendWarning(agent: "portcullis", warning) }
            onEnded(CallDetailRecord(callID: request.callID ?? "", caller: caller, callee: dialed, dialed: dialed, start: now, end: now,
                                     disposition: reason.disposition,
                                     cause: "\(reason.status) \(response.reasonPhrase)" + (warning.map { ": \($0)" } ?? ""),
                                     decision: reason.isPolicyDecision ? "refuse" : nil, decisionReason: reason.isPolicyDecision ? detail : nil))
            return response
        }
        guard let via = try? request.topVia(), let callID = request.callID, let from = try? request.from(), from.tag != nil,
              (try? request.cseq()) != nil else {
            return refuse(.malformed, "missing or malformed Via, From tag, Call-ID or CSeq")
        }
        let maxForwards = ((try? request.maxForwards()) ?? nil) ?? 70
        guard maxForwards > 0 else { return refuse(.loop) }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard !request.body.isEmpty, contentType.hasPrefix("application/sdp") else { return refuse(.noOffer, "an SDP offer is required") }
        do {
            _ = try SessionDescription(parsing: request.body)
        } catch {
            return refuse(.noOffer, "unreadable SDP: \(error)")
        }
        let routing = routing.withLock { $0 }
        let inbound = trunk.flatMap { _ in routing.inbound(dialed) }
        if trunk != nil && inbound == nil { return refuse(.noInboundRoute, "no inbound route for \(dialed.prefix(32))") }
        if trunk != nil, let refusal = routing.policy.screenInbound(from: caller) { return refuse(.blockedCaller, refusal.description) }
        let target = inbound?.extension ?? dialed
        let settings = settings.withLock { $0 }
        let flow = replier.detached
        let contacts: [CallDestination]
        let isInternal = directory.credentials(number: target) != nil
        if isInternal {
            contacts = destinations(extension: target, caller: caller, advertised: settings.advertisedHost)
        } else {
            if trunk != nil { return refuse(.notAnExtension) }
            contacts = []
        }
        let callerContact = (try? request.contacts().first).flatMap { contact -> String? in
            if case .address(let address) = contact { return address.uri.description }
            return nil
        } ?? request.uri.description

        var outbox = Outbox()
        var opened: UInt64?
        let immediate: SIPResponse? = table.withLock { table in
            guard table.calls.count < settings.maxCalls else { return refuse(.callLimit, "call limit reached") }
            var verdict: CallVerdict?
            if !isInternal {
                let attempt = CallPolicy.Attempt(caller: caller, rules: directory.credentials(number: caller)?.calls ?? ExtensionCallRules(),
                                                 dialed: dialed, defaultMaxDuration: settings.maxDuration)
                verdict = routing.policy.decide(attempt, state: table.outbound, now: now)
                switch verdict {
                case .refuse(let refusal):
                    refused(refusal, caller: caller, dialed: dialed, now: now, routing: routing, &table, &outbox)
                    return refuse(.policy(refusal.rule), refusal.description)
                case .needsPIN where media == nil:
                    return refuse(.pinNeedsRelay, "the route asks for a PIN, which needs the media relay (sip.media.relay)")
                default:
                    break
                }
            } else if let trunk {
                guard routing.policy.hasCapacity(trunk.settings.name, outbound: false, state: table.outbound) else {
                    return refuse(.inboundTrunkFull, "trunk '\(trunk.settings.name)' is at its call limit")
                }
            }
            if isInternal && contacts.isEmpty { return refuse(.notRegistered) }
            let id = table.nextID
            table.nextID += 1
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
            if let trunk, let inbound {
                call.fromTrunk = true
                call.record.trunk = trunk.settings.name
                call.record.route = inbound.name
                table.outbound.trunkCallStarted(trunk.settings.name, outbound: false)
                call.trunkInUse = (trunk.settings.name, false)
            }
            switch verdict {
            case .allow(let outbound):
                allowed(outbound, &call, routing: routing, now: now, &table, &outbox)
            case .needsPIN(let route):
                guard let offer = PINPrompt.codecs(request.body) else { return refuse(.pinNeedsG711, "the PIN prompt needs G.711 (PCMU or PCMA)") }
                call.pin = PINCollection(route: route, audioPayloadType: offer.audio, dtmfPayloadType: offer.dtmf)
                call.record.route = route
            default:
                break
            }
            let trying = CallMessages.response(to: request, status: 100, toTag: ourTag, contact: nil)
            call.lastProvisional = trying
            outbox.send(trying, on: flow)
            if call.pin == nil { outbox.after(.seconds(settings.ringTimeout), on: flow, .ringTimeout(call: id)) }
            table.calls[id] = call
            table.byInvite[call.inviteKey] = id
            table.byCallerCallID[callID] = id
            if media == nil { ring(id, contacts, &table, &outbox) }
            opened = id
            return nil
        }
        carryOut(outbox)
        if let id = opened, let media {
            // The relay's sockets are bound on the caller's loop first; the callee's phones ring once they exist.
            media.openSession(on: flow.eventLoop).whenComplete { [self] result in
                var outbox = Outbox()
                table.withLock { table in
                    guard var call = table.calls[id], call.phase == .ringing, call.finalResponse == nil, case .success(let session) = result else {
                        if case .success(let session) = result { session.close() }
                        if var call = table.calls[id], call.phase == .ringing, call.finalResponse == nil {
                            stopRinging(&call, .noMediaPorts, "no free media ports", &table, &outbox)
                        }
                        return
                    }
                    if let target = CallMedia.audioTarget(call.invite.body) {
                        session.setPeer(.caller, host: target.host, port: target.port, signalling: call.callerDialog.flow.peer.ip)
                    }
                    call.media = session
                    table.calls[id] = call
                    if call.pin != nil {
                        promptForPIN(id, &table, &outbox)
                    } else {
                        ring(id, contacts, &table, &outbox)
                    }
                }
                carryOut(outbox)
            }
        }
        return immediate
    }

    /// Every registered contact of an extension that a flow still reaches.
    func destinations(extension number: String, caller: String, advertised: String?) -> [CallDestination] {
        location.bindings(for: number).compactMap { binding in
            guard let peer = SIPPeer(binding: binding), let out = flows.replier(to: peer) else { return nil }
            return CallDestination(uri: binding.contact, to: "<sip:\(number)@\(CallMessages.hostPort(out, advertised: advertised))>",
                                   fromUser: caller, flow: out, trunk: nil)
        }
    }

    /// The next trunk of the call's route that has an address and room for one more call (emergency calls ignore
    /// the limits), as a destination; nil when none is left. The call takes its place on the trunk.
    func nextTrunk(_ call: inout Call, _ table: inout Table) -> CallDestination? {
        let policy = routing.withLock { $0.policy }
        while !call.pendingTrunks.isEmpty {
            let trunk = call.pendingTrunks.removeFirst()
            guard let address = trunk.address, let out = flows.replier(to: SIPPeer(address: address, transport: .udp)),
                  let number = call.record.sent, call.emergency || policy.hasCapacity(trunk.settings.name, state: table.outbound) else { continue }
            if let previous = call.trunkInUse { table.outbound.trunkCallEnded(previous.name, outbound: previous.outbound) }
            table.outbound.trunkCallStarted(trunk.settings.name, outbound: true)
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
    func ring(_ id: UInt64, _ destinations: [CallDestination], _ table: inout Table, _ outbox: inout Outbox) {
        guard var call = table.calls[id] else { return }
        var destinations = destinations
        if destinations.isEmpty, let trunk = nextTrunk(&call, &table) { destinations = [trunk] }
        guard !destinations.isEmpty else {
            stopRinging(&call, .noTrunkReachable, "no trunk of route '\(call.record.route ?? "")' is reachable or has room", &table, &outbox)
            return
        }
        let advertised = settings.withLock { $0.advertisedHost }
        let elapsed = self.elapsed
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
            let invite = dialog.request(.invite, body: offer, contentType: call.invite.headers[.contentType], maxForwards: call.maxForwards,
                                        extra: [(.allow, SIPRequestDispatcher.allowed)])
            let transaction = ClientInviteTransaction(reliable: out.peer.transport.isReliable, now: elapsed, timers: timers)
            call.forks.append(Call.Fork(dialog: dialog, invite: invite, transaction: transaction, trunk: destination.trunk))
            table.byForkBranch[invite.branch] = (id, index)
            table.byCalleeCallID[dialog.callID] = (id, index)
            outbox.send(invite.bytes, on: out)
            outbox.arm(transaction.timers, now: elapsed, on: out) { .fork(call: id, fork: index, name: $0) }
        }
        table.calls[id] = call
    }

    private func acknowledge(_ request: SIPRequest, via: Via, callID: String, peer: SIPPeer, _ table: inout Table) {
        // An ACK for a non-2xx final carries the INVITE's branch; an ACK for a 2xx is a new transaction in the dialog.
        let id = table.byInvite[ServerTransactionKey(via: via, method: .invite)] ?? table.byCallerCallID[callID]
        guard let id, var call = table.calls[id], call.finalResponse != nil, call.callerDialog.flow.peer.isSameFlow(as: peer) else { return }
        call.callerAcknowledged = true
        table.calls[id] = call
    }

    private func cancel(_ request: SIPRequest, via: Via, flow: SIPReplier, _ table: inout Table, _ outbox: inout Outbox) -> Receipt {
        guard let id = table.byInvite[ServerTransactionKey(via: via, method: .invite)], var call = table.calls[id],
              call.callerDialog.flow.peer.isSameFlow(as: flow.peer) else {
            outbox.send(SIPResponse(replyingTo: request, statusCode: 481, toTag: CallMessages.newTag()).serialized(), on: flow)
            return .forged(reason: "CANCEL matching no INVITE from its source")
        }
        outbox.send(SIPResponse(replyingTo: request, statusCode: 200, toTag: call.callerDialog.localTag).serialized(), on: flow)
        guard call.phase == .ringing, call.finalResponse == nil else { return .handled }
        call.record.disposition = .cancelled
        call.record.hangupSide = "caller"
        call.record.cause = "CANCEL before answer"
        stopRinging(&call, status: 487, &table, &outbox)
        return .handled
    }

    /// The call and side a request inside a dialog belongs to: the Call-ID finds the call, the tags and the flow must
    /// be the dialog's.
    private func dialog(of request: SIPRequest, callID: String, peer: SIPPeer, _ table: Table) -> (id: UInt64, fromCaller: Bool)? {
        let fromTag = (try? request.from())?.tag
        let toTag = (try? request.to())?.tag
        if let id = table.byCallerCallID[callID], let call = table.calls[id],
           call.callerDialog.admits(fromTag: fromTag, toTag: toTag, peer: peer, trunk: call.fromTrunk) {
            return (id, true)
        }
        if let callee = table.byCalleeCallID[callID], let call = table.calls[callee.call], call.winner == callee.fork,
           call.forks[callee.fork].dialog.admits(fromTag: fromTag, toTag: toTag, peer: peer, trunk: call.forks[callee.fork].trunk != nil) {
            return (callee.call, false)
        }
        return nil
    }

    /// BYE ends the call on both legs; anything else in the dialog (re-INVITE, UPDATE, INFO) is relayed.
    private func inDialog(_ request: SIPRequest, callID: String, flow: SIPReplier, _ table: inout Table, _ outbox: inout Outbox) -> Receipt {
        guard let (id, fromCaller) = dialog(of: request, callID: callID, peer: flow.peer, table), var call = table.calls[id] else {
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
                cancelForks(&call, &table, &outbox)
                table.calls[id] = call
                finish(id, &table, &outbox)
                return .handled
            }
            guard call.phase == .answered else { return .handled }
            hangUp(id, side: fromCaller ? "caller" : "callee", cause: "BYE", tellCaller: !fromCaller, tellCallee: fromCaller, &table, &outbox)
            return .handled
        }
        guard call.phase == .answered, let winner = call.winner else {
            outbox.send(SIPResponse(replyingTo: request, statusCode: 481).serialized(), on: flow)
            return .handled
        }
        if request.method == .ack { return .handled }
        let out: OutgoingRequest
        let body = relayed(request.body, from: fromCaller ? .caller : .callee, of: call, fork: call.forks[winner])
        if fromCaller {
            out = call.forks[winner].dialog.request(request.method, body: body, contentType: request.headers[.contentType])
        } else {
            out = call.callerDialog.request(request.method, body: body, contentType: request.headers[.contentType])
        }
        table.calls[id] = call
        table.relays[out.branch] = Relay(call: id, original: request, replier: flow, toCallee: fromCaller)
        send(out, call: id, &table, &outbox)
        return .handled
    }
}
