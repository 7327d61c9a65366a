import Foundation
import Logging
import Media
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
    private struct Pending: Sendable {
        var call: UInt64
        var outgoing: OutgoingRequest
    }

    /// A request relayed from one leg to the other, waiting for the other side's final response.
    private struct Relay: Sendable {
        var call: UInt64
        var original: SIPRequest
        var replier: SIPReplier
        var toCallee: Bool
    }

    private struct Table: Sendable {
        var calls: [UInt64: Call] = [:]
        var byInvite: [ServerTransactionKey: UInt64] = [:]
        var byCallerCallID: [String: UInt64] = [:]
        var byForkBranch: [String: (call: UInt64, fork: Int)] = [:]
        var byCalleeCallID: [String: (call: UInt64, fork: Int)] = [:]
        /// Non-INVITE requests we sent (BYE, CANCEL, relayed), by branch and method, until answered.
        var outgoing: [String: Pending] = [:]
        var relays: [String: Relay] = [:]
        var nextID: UInt64 = 1
    }

    private enum Timer: Sendable {
        case fork(call: UInt64, fork: Int, name: TransactionTimer.Name)
        case finalRetransmit(call: UInt64, interval: Duration, elapsed: Duration)
        case outgoingRetransmit(key: String, interval: Duration, elapsed: Duration)
        case ringTimeout(call: UInt64)
        case maxDuration(call: UInt64)
        case remove(call: UInt64)
    }

    /// What to do once the lock is released.
    private struct Outbox {
        var sends: [(SIPReplier, [UInt8])] = []
        var timers: [(any EventLoop, Duration, Timer)] = []
        var ended: [CallDetailRecord] = []
        var closing: [MediaSession] = []

        mutating func send(_ bytes: [UInt8], on flow: SIPReplier) { sends.append((flow, bytes)) }
        mutating func after(_ delay: Duration, on flow: SIPReplier, _ timer: Timer) { timers.append((flow.eventLoop, delay, timer)) }
    }

    private let table = Mutex(Table())
    private let routing = Mutex(RoutingTable())
    private let settings: Mutex<CallSettings>
    private let timers: TransactionTimers
    private let location: LocationService
    private let directory: ExtensionDirectory
    private let flows: SIPFlowTable
    /// Nil when media flows directly between the phones (`sip.media.relay: false`).
    private let media: MediaRelay?
    private let rtpTimeout: Int
    private let logger: Logger
    private let onEnded: @Sendable (CallDetailRecord) -> Void
    private let start = ContinuousClock.now

    public init(settings: CallSettings = CallSettings(), timers: TransactionTimers = TransactionTimers(), location: LocationService,
                directory: ExtensionDirectory, flows: SIPFlowTable, media: MediaRelay? = nil, rtpTimeout: Int = 60, logger: Logger,
                onEnded: @escaping @Sendable (CallDetailRecord) -> Void = { _ in }) {
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

    /// The trunk a source address belongs to: its calls come in without a challenge.
    public func trunk(from ip: String) -> RoutingTable.Trunk? { routing.withLock { $0.trunk(from: ip) } }

    /// New limits apply to the next call; the ring and duration timers of running calls keep theirs.
    public func update(_ settings: CallSettings) { self.settings.withLock { $0 = settings } }

    /// Calls in the table (ringing, answered, or ended and still absorbing retransmissions).
    public var count: Int { table.withLock { $0.calls.count } }
    public var pendingRequests: Int { table.withLock { $0.outgoing.count + $0.relays.count } }

    // MARK: Requests

    /// Takes what belongs to an existing call: INVITE retransmissions, ACK, CANCEL and requests inside a dialog
    /// (To has a tag). Returns false for what the dispatcher must handle itself (a new INVITE, REGISTER, ...).
    public func receive(_ request: SIPRequest, replier: SIPReplier) -> Bool {
        guard request.method != .register, let via = try? request.topVia(), let callID = request.callID else { return false }
        let flow = replier.detached
        var outbox = Outbox()
        let handled: Bool = table.withLock { table in
            switch request.method {
            case .invite:
                if let id = table.byInvite[ServerTransactionKey(via: via, method: .invite)], let call = table.calls[id] {
                    if let bytes = call.finalResponse?.bytes ?? call.lastProvisional { outbox.send(bytes, on: flow) }
                    return true
                }
            case .ack:
                acknowledge(request, via: via, callID: callID, &table)
                return true
            case .cancel:
                cancel(request, via: via, flow: flow, &table, &outbox)
                return true
            default:
                break
            }
            guard (try? request.to())?.tag != nil else { return false }
            inDialog(request, callID: callID, flow: flow, &table, &outbox)
            return true
        }
        carryOut(outbox)
        return handled
    }

    /// A new INVITE: from extension `caller` once authenticated, or from `trunk` (then `caller` is the calling
    /// number, and only an inbound route can take the call: a trunk never reaches another trunk through us). Answers
    /// itself (100 Trying, then what the callee says); returns an immediate final response instead when the call
    /// cannot start (recorded as a failed attempt).
    public func invite(_ request: SIPRequest, caller: String, replier: SIPReplier, from trunk: RoutingTable.Trunk? = nil,
                       now: Date = Date()) -> SIPResponse? {
        let dialed = request.uri.sipURI?.user ?? request.toUser ?? ""
        func refuse(_ status: Int, _ warning: String? = nil) -> SIPResponse {
            var response = SIPResponse(replyingTo: request, statusCode: status, toTag: CallMessages.newTag())
            if let warning { response.headers.append(.warning, "399 portcullis \"\(warning)\"") }
            onEnded(CallDetailRecord(callID: request.callID ?? "", caller: caller, callee: dialed, dialed: dialed, start: now, end: now,
                                     disposition: status == 503 ? "refused" : "failed",
                                     cause: "\(status) \(response.reasonPhrase)" + (warning.map { ": \($0)" } ?? "")))
            return response
        }
        guard let via = try? request.topVia(), let callID = request.callID, let from = try? request.from(), from.tag != nil,
              (try? request.cseq()) != nil else {
            return refuse(400, "missing or malformed Via, From tag, Call-ID or CSeq")
        }
        let maxForwards = ((try? request.maxForwards()) ?? nil) ?? 70
        guard maxForwards > 0 else { return refuse(483) }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard !request.body.isEmpty, contentType.hasPrefix("application/sdp") else { return refuse(488, "an SDP offer is required") }
        do {
            _ = try SessionDescription(parsing: request.body)
        } catch {
            return refuse(488, "unreadable SDP: \(error)")
        }
        let inbound = trunk.flatMap { _ in routing.withLock { $0.inbound(dialed) } }
        if trunk != nil && inbound == nil { return refuse(404, "no inbound route for \(dialed.prefix(32))") }
        let target = inbound?.extension ?? dialed
        let settings = settings.withLock { $0 }
        let flow = replier.detached
        var outbound: RoutingTable.Outbound?
        let contacts: [CallDestination]
        if directory.credentials(number: target) != nil {
            contacts = destinations(extension: target, caller: caller, advertised: settings.advertisedHost)
            guard !contacts.isEmpty else { return refuse(480) }
        } else {
            guard let route = routing.withLock({ $0.outbound(dialed, caller: caller) }) else { return refuse(404) }
            outbound = route
            contacts = []
        }
        let callerContact = (try? request.contacts().first).flatMap { contact -> String? in
            if case .address(let address) = contact { return address.uri.description }
            return nil
        } ?? request.uri.description

        var outbox = Outbox()
        var opened: UInt64?
        let refused: SIPResponse? = table.withLock { table in
            guard table.calls.count < settings.maxCalls else { return refuse(503, "call limit reached") }
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
                call.record.trunk = trunk.settings.name
                call.record.route = inbound.name
            }
            if let outbound {
                call.record.route = outbound.route
                call.record.sent = outbound.number
                call.pendingTrunks = outbound.trunks
            }
            let trying = CallMessages.response(to: request, status: 100, toTag: ourTag, contact: nil)
            call.lastProvisional = trying
            outbox.send(trying, on: flow)
            outbox.after(.seconds(settings.ringTimeout), on: flow, .ringTimeout(call: id))
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
                            call.record.disposition = "failed"
                            call.record.cause = "503: no free media ports"
                            sendFinal(503, to: &call, &outbox)
                            table.calls[id] = call
                            finish(id, &table, &outbox)
                        }
                        return
                    }
                    if let target = CallMedia.audioTarget(call.invite.body) {
                        session.setPeer(.caller, host: target.host, port: target.port, signalling: call.callerDialog.flow.peer.ip)
                    }
                    call.media = session
                    table.calls[id] = call
                    ring(id, contacts, &table, &outbox)
                }
                carryOut(outbox)
            }
        }
        return refused
    }

    /// Every registered contact of an extension that a flow still reaches.
    private func destinations(extension number: String, caller: String, advertised: String?) -> [CallDestination] {
        location.bindings(for: number).compactMap { binding in
            guard let peer = SIPPeer(binding: binding), let out = flows.replier(to: peer) else { return nil }
            return CallDestination(uri: binding.contact, to: "<sip:\(number)@\(CallMessages.hostPort(out, advertised: advertised))>",
                                   fromUser: caller, flow: out, trunk: nil)
        }
    }

    /// The next trunk of the call's route that has an address, as a destination; nil when none is left.
    private func nextTrunk(_ call: inout Call) -> CallDestination? {
        while !call.pendingTrunks.isEmpty {
            let trunk = call.pendingTrunks.removeFirst()
            guard let address = trunk.address, let out = flows.replier(to: SIPPeer(address: address, transport: .udp)),
                  let number = call.record.sent else { continue }
            call.record.trunk = trunk.settings.name
            let target = "sip:\(number)@\(trunk.settings.host)"
            return CallDestination(uri: target, to: "<\(target)>", fromUser: trunk.settings.username ?? call.caller, flow: out,
                                   trunk: trunk.settings)
        }
        return nil
    }

    /// Sends the INVITE to every destination (forking to an extension's contacts, or to the route's next trunk),
    /// the offer pointing at the relay when there is one.
    private func ring(_ id: UInt64, _ destinations: [CallDestination], _ table: inout Table, _ outbox: inout Outbox) {
        guard var call = table.calls[id] else { return }
        var destinations = destinations
        if destinations.isEmpty, let trunk = nextTrunk(&call) { destinations = [trunk] }
        guard !destinations.isEmpty else {
            call.record.disposition = "failed"
            call.record.cause = "no trunk of route '\(call.record.route ?? "")' is reachable"
            sendFinal(503, to: &call, &outbox)
            table.calls[id] = call
            finish(id, &table, &outbox)
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
            let offer = call.media.flatMap { CallMedia.rewrite(call.invite.body, host: CallMessages.host(out, advertised: advertised),
                                                               port: $0.port(facing: .callee)) } ?? call.invite.body
            let invite = dialog.request(.invite, body: offer, contentType: call.invite.headers[.contentType], maxForwards: call.maxForwards,
                                        extra: [(.allow, SIPRequestDispatcher.allowed)])
            let transaction = ClientInviteTransaction(reliable: out.peer.transport.isReliable, now: elapsed, timers: timers)
            call.forks.append(Call.Fork(dialog: dialog, invite: invite, transaction: transaction, trunk: destination.trunk))
            table.byForkBranch[invite.branch] = (id, index)
            table.byCalleeCallID[dialog.callID] = (id, index)
            outbox.send(invite.bytes, on: out)
            for timer in transaction.timers {
                outbox.after(timer.deadline - elapsed, on: out, .fork(call: id, fork: index, name: timer.name))
            }
        }
        table.calls[id] = call
    }

    private func acknowledge(_ request: SIPRequest, via: Via, callID: String, _ table: inout Table) {
        // An ACK for a non-2xx final carries the INVITE's branch; an ACK for a 2xx is a new transaction in the dialog.
        let id = table.byInvite[ServerTransactionKey(via: via, method: .invite)] ?? table.byCallerCallID[callID]
        guard let id, var call = table.calls[id], call.finalResponse != nil else { return }
        call.callerAcknowledged = true
        table.calls[id] = call
    }

    private func cancel(_ request: SIPRequest, via: Via, flow: SIPReplier, _ table: inout Table, _ outbox: inout Outbox) {
        guard let id = table.byInvite[ServerTransactionKey(via: via, method: .invite)], var call = table.calls[id] else {
            outbox.send(SIPResponse(replyingTo: request, statusCode: 481, toTag: CallMessages.newTag()).serialized(), on: flow)
            return
        }
        outbox.send(SIPResponse(replyingTo: request, statusCode: 200, toTag: call.callerDialog.localTag).serialized(), on: flow)
        guard call.phase == .ringing, call.finalResponse == nil else { return }
        call.record.disposition = "cancelled"
        call.record.hangupSide = "caller"
        call.record.cause = "CANCEL before answer"
        cancelForks(&call, &table, &outbox)
        sendFinal(487, to: &call, &outbox)
        table.calls[id] = call
        finish(id, &table, &outbox)
    }

    /// BYE ends the call on both legs; anything else in the dialog (re-INVITE, UPDATE, INFO) is relayed.
    private func inDialog(_ request: SIPRequest, callID: String, flow: SIPReplier, _ table: inout Table, _ outbox: inout Outbox) {
        let fromCaller: Bool
        let id: UInt64
        if let caller = table.byCallerCallID[callID] {
            (fromCaller, id) = (true, caller)
        } else if let callee = table.byCalleeCallID[callID], table.calls[callee.call]?.winner == callee.fork {
            (fromCaller, id) = (false, callee.call)
        } else {
            outbox.send(SIPResponse(replyingTo: request, statusCode: 481).serialized(), on: flow)
            return
        }
        guard var call = table.calls[id] else { return }
        if request.method == .bye {
            outbox.send(SIPResponse(replyingTo: request, statusCode: 200).serialized(), on: flow)
            guard call.phase == .answered else { return }
            call.record.hangupSide = fromCaller ? "caller" : "callee"
            call.record.cause = "BYE"
            table.calls[id] = call
            hangUp(id, tellCaller: !fromCaller, tellCallee: fromCaller, &table, &outbox)
            finish(id, &table, &outbox)
            return
        }
        guard call.phase == .answered, let winner = call.winner else {
            outbox.send(SIPResponse(replyingTo: request, statusCode: 481).serialized(), on: flow)
            return
        }
        if request.method == .ack { return }
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
    }

    // MARK: Responses

    /// A response to something the PBX sent, matched by the branch of our Via.
    public func receive(_ response: SIPResponse, replier: SIPReplier) {
        guard let branch = (try? response.topVia())?.branch, let cseq = try? response.cseq() else { return }
        var outbox = Outbox()
        table.withLock { table in
            if cseq.method == .invite, let (id, index) = table.byForkBranch[branch] {
                forkResponse(response, call: id, fork: index, &table, &outbox)
            } else if let relay = table.relays[branch], cseq.method != .cancel {
                if response.statusCode >= 200 {
                    table.relays[branch] = nil
                    table.outgoing[branch + cseq.method.rawValue] = nil
                }
                relayResponse(response, relay: relay, &table, &outbox)
            } else if response.statusCode >= 200 {
                table.outgoing[branch + cseq.method.rawValue] = nil
            }
        }
        carryOut(outbox)
    }

    private func forkResponse(_ response: SIPResponse, call id: UInt64, fork index: Int, _ table: inout Table, _ outbox: inout Outbox) {
        guard var call = table.calls[id] else { return }
        var fork = call.forks[index]
        let status = response.statusCode
        let actions = fork.transaction.responseReceived(statusCode: status, now: elapsed)
        let toTag = (try? response.to())?.tag
        if actions.contains(.sendAck) {
            outbox.send(nonSuccessAck(fork, response: response), on: fork.dialog.flow)
        }
        guard actions.contains(.passToUser) || (200..<300).contains(status) else {
            call.forks[index] = fork
            table.calls[id] = call
            return
        }
        switch status {
        case 101..<200:
            fork.provisional = true
            if let toTag { fork.dialog.remoteTag = toTag }
            if call.phase == .ringing && call.finalResponse == nil {
                let bytes = CallMessages.response(to: call.invite, status: status, reason: response.reasonPhrase, toTag: call.callerDialog.localTag,
                                                  contact: call.callerDialog.contact, body: relayed(response.body, from: .callee, of: call, fork: fork),
                                                  contentType: response.headers[.contentType])
                call.lastProvisional = bytes
                outbox.send(bytes, on: call.callerDialog.flow)
            }
            if fork.cancelled { sendCancel(fork, call: id, &table, &outbox) }
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
            if call.phase == .ringing && call.winner == nil && call.finalResponse == nil {
                call.winner = index
                call.phase = .answered
                call.record.answer = Date()
                call.record.disposition = "answered"
                sendFinal(status, to: &call, body: relayed(response.body, from: .callee, of: call, fork: fork),
                          contentType: response.headers[.contentType], &outbox)
                cancelForks(&call, &table, &outbox)
                for timer in call.longTimers { timer.cancel() }
                call.longTimers = []
                outbox.after(.seconds(settings.withLock { $0.maxDuration }), on: call.callerDialog.flow, .maxDuration(call: id))
            } else if call.winner != index && firstAnswer {
                // A second answer (forking race) or an answer after the caller gave up: take it and end it.
                let bye = call.forks[index].dialog.request(.bye)
                send(bye, call: id, &table, &outbox)
            }
            table.calls[id] = call
            return
        default:
            if status == 401 || status == 407, call.phase == .ringing, call.finalResponse == nil,
               let answered = answerChallenge(response, fork: fork, call: call) {
                // The provider wants credentials: the same INVITE again, answering its challenge, once.
                table.byForkBranch[fork.invite.branch] = nil
                call.forks[index] = answered
                table.byForkBranch[answered.invite.branch] = (id, index)
                outbox.send(answered.invite.bytes, on: answered.dialog.flow)
                let now = elapsed
                for timer in answered.transaction.timers {
                    outbox.after(timer.deadline - now, on: answered.dialog.flow, .fork(call: id, fork: index, name: timer.name))
                }
                table.calls[id] = call
                return
            }
            fork.finalStatus = status
            call.forks[index] = fork
            table.calls[id] = call
            forkFailed(id, cause: "\(status) \(response.reasonPhrase)", &table, &outbox)
            return
        }
        call.forks[index] = fork
        table.calls[id] = call
    }

    /// `fork`'s INVITE again with credentials for the provider's 401/407, or nil when it has none to give or already
    /// answered a challenge (a second one means the credentials are wrong).
    private func answerChallenge(_ response: SIPResponse, fork: Call.Fork, call: Call) -> Call.Fork? {
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
        answered.transaction = ClientInviteTransaction(reliable: fork.dialog.flow.peer.transport.isReliable, now: elapsed, timers: timers)
        answered.answeredChallenge = true
        answered.provisional = false
        return answered
    }

    /// A destination gave up. Once every one has, the call fails over to the route's next trunk, or the caller
    /// gets the best answer (busy if anyone was busy); a busy callee or a cancelled call never fails over.
    private func forkFailed(_ id: UInt64, cause: String, _ table: inout Table, _ outbox: inout Outbox) {
        guard var call = table.calls[id], call.phase == .ringing, call.finalResponse == nil,
              call.forks.allSatisfy({ $0.finalStatus != nil }) else { return }
        let final = CallRouter.callerStatus(call.forks.compactMap(\.finalStatus))
        let busy = final == 486 || final == 600 || final == 603
        if !busy && !call.pendingTrunks.isEmpty {
            ring(id, [], &table, &outbox)
            return
        }
        call.record.disposition = busy ? "busy" : "failed"
        call.record.hangupSide = "callee"
        call.record.cause = cause
        sendFinal(final, to: &call, &outbox)
        table.calls[id] = call
        finish(id, &table, &outbox)
    }

    /// The one answer the caller gets when every contact failed: busy if anyone was busy, else the first failure.
    static func callerStatus(_ statuses: [Int]) -> Int {
        if let busy = statuses.first(where: { [486, 600, 603].contains($0) }) { return busy }
        if statuses.allSatisfy({ $0 == 408 || $0 == 487 }) { return 480 }
        return statuses.first { $0 != 408 && $0 != 487 } ?? 480
    }

    private func relayResponse(_ response: SIPResponse, relay: Relay, _ table: inout Table, _ outbox: inout Outbox) {
        guard response.statusCode > 100, var call = table.calls[relay.call] else { return }
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
        let body = call.answered.map { relayed(response.body, from: relay.toCallee ? .callee : .caller, of: call, fork: $0) } ?? response.body
        let bytes = CallMessages.response(to: relay.original, status: response.statusCode, reason: response.reasonPhrase, toTag: tag ?? "",
                                          contact: contact, body: body, contentType: response.headers[.contentType])
        outbox.send(bytes, on: relay.replier)
        table.calls[relay.call] = call
    }

    // MARK: Timers

    /// Hangs up answered calls whose media went silent on both sides for `rtpTimeout` seconds (a phone that lost
    /// power or network never sends BYE). Called about once a second.
    public func sweep() {
        var outbox = Outbox()
        let limit = TimeAmount.seconds(Int64(rtpTimeout))
        table.withLock { table in
            let silent = table.calls.values.filter { $0.phase == .answered && ($0.media?.idle ?? .zero) > limit }.map(\.id)
            for id in silent {
                table.calls[id]?.record.hangupSide = "pbx"
                table.calls[id]?.record.cause = "no RTP for \(rtpTimeout) s"
                hangUp(id, tellCaller: true, tellCallee: true, &table, &outbox)
                finish(id, &table, &outbox)
            }
        }
        carryOut(outbox)
    }

    private func fire(_ timer: Timer) {
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
                    for next in fork.transaction.timers where next.name == name {
                        outbox.after(next.deadline - now, on: fork.dialog.flow, .fork(call: id, fork: index, name: name))
                    }
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
                        call.record.hangupSide = "caller"
                        call.record.cause = "no ACK for the answer"
                        table.calls[id] = call
                        hangUp(id, tellCaller: true, tellCallee: true, &table, &outbox)
                        finish(id, &table, &outbox)
                    }
                    return
                }
                outbox.send(final.bytes, on: call.callerDialog.flow)
                let next = min(interval * 2, timers.t2)
                outbox.after(next, on: call.callerDialog.flow, .finalRetransmit(call: id, interval: next, elapsed: elapsed + next))
            case .outgoingRetransmit(let key, let interval, let elapsed):
                guard let pending = table.outgoing[key] else { return }
                guard elapsed < timers.transactionTimeout else {
                    table.outgoing[key] = nil
                    table.relays[pending.outgoing.branch] = nil
                    return
                }
                outbox.send(pending.outgoing.bytes, on: pending.outgoing.flow)
                let next = min(interval * 2, timers.t2)
                outbox.after(next, on: pending.outgoing.flow, .outgoingRetransmit(key: key, interval: next, elapsed: elapsed + next))
            case .ringTimeout(let id):
                guard var call = table.calls[id], call.phase == .ringing, call.finalResponse == nil else { return }
                call.record.disposition = "no answer"
                call.record.cause = "ring timeout"
                cancelForks(&call, &table, &outbox)
                sendFinal(480, to: &call, &outbox)
                table.calls[id] = call
                finish(id, &table, &outbox)
            case .maxDuration(let id):
                guard var call = table.calls[id], call.phase == .answered else { return }
                call.record.hangupSide = "pbx"
                call.record.cause = "maximum call duration reached"
                table.calls[id] = call
                hangUp(id, tellCaller: true, tellCallee: true, &table, &outbox)
                finish(id, &table, &outbox)
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

    // MARK: Steps

    /// An SDP body from one side as the other side must see it: the sender's address goes to the relay, and the
    /// body points at the relay's port facing the receiver. Unchanged without a relay or without SDP.
    private func relayed(_ body: [UInt8], from side: MediaSession.Side, of call: Call, fork: Call.Fork) -> [UInt8] {
        guard let session = call.media, !body.isEmpty, let target = CallMedia.audioTarget(body) else { return body }
        let senderFlow = side == .caller ? call.callerDialog.flow : fork.dialog.flow
        let receiverFlow = side == .caller ? fork.dialog.flow : call.callerDialog.flow
        let receiver: MediaSession.Side = side == .caller ? .callee : .caller
        session.setPeer(side, host: target.host, port: target.port, signalling: senderFlow.peer.ip)
        let advertised = settings.withLock { $0.advertisedHost }
        return CallMedia.rewrite(body, host: CallMessages.host(receiverFlow, advertised: advertised), port: session.port(facing: receiver)) ?? body
    }

    private var elapsed: Duration { ContinuousClock.now - start }

    /// The caller's final response, retransmitted over UDP until the ACK.
    private func sendFinal(_ status: Int, to call: inout Call, body: [UInt8] = [], contentType: String? = nil, _ outbox: inout Outbox) {
        let bytes = CallMessages.response(to: call.invite, status: status, toTag: call.callerDialog.localTag, contact: call.callerDialog.contact,
                                          body: body, contentType: contentType)
        call.finalResponse = (status, bytes)
        outbox.send(bytes, on: call.callerDialog.flow)
        if !call.callerDialog.flow.peer.transport.isReliable || status < 300 {
            let t1 = timers.t1
            outbox.after(t1, on: call.callerDialog.flow, .finalRetransmit(call: call.id, interval: t1, elapsed: t1))
        }
    }

    private func cancelForks(_ call: inout Call, _ table: inout Table, _ outbox: inout Outbox) {
        for index in call.forks.indices where call.forks[index].finalStatus == nil && !call.forks[index].cancelled && index != call.winner {
            call.forks[index].cancelled = true
            // RFC 3261 section 9.1: a CANCEL waits for a provisional response.
            if call.forks[index].provisional { sendCancel(call.forks[index], call: call.id, &table, &outbox) }
        }
    }

    private func sendCancel(_ fork: Call.Fork, call id: UInt64, _ table: inout Table, _ outbox: inout Outbox) {
        var headers = SIPHeaders()
        for field in fork.invite.request.headers where [.via, .from, .to, .callID, .maxForwards].contains(field.name) {
            headers.append(field.name, field.value)
        }
        headers.append(.cseq, "\(fork.invite.request.cseqNumber) CANCEL")
        let request = SIPRequest(method: .cancel, uri: fork.invite.request.uri, headers: headers)
        send(OutgoingRequest(request: request, bytes: request.serialized(), branch: fork.invite.branch, flow: fork.dialog.flow),
             call: id, &table, &outbox)
    }

    /// RFC 3261 section 17.1.1.3: same branch and Request-URI as the INVITE, To from the response.
    private func nonSuccessAck(_ fork: Call.Fork, response: SIPResponse) -> [UInt8] {
        var headers = SIPHeaders()
        for field in fork.invite.request.headers where [.via, .from, .callID, .maxForwards].contains(field.name) {
            headers.append(field.name, field.value)
        }
        headers.append(.to, response.headers[.to] ?? fork.dialog.remoteAddress)
        headers.append(.cseq, "\(fork.invite.request.cseqNumber) ACK")
        return SIPRequest(method: .ack, uri: fork.invite.request.uri, headers: headers).serialized()
    }

    /// A BYE to each leg that should hear of the end.
    private func hangUp(_ id: UInt64, tellCaller: Bool, tellCallee: Bool, _ table: inout Table, _ outbox: inout Outbox) {
        guard var call = table.calls[id] else { return }
        var byes: [OutgoingRequest] = []
        if tellCaller { byes.append(call.callerDialog.request(.bye)) }
        if tellCallee, let winner = call.winner { byes.append(call.forks[winner].dialog.request(.bye)) }
        table.calls[id] = call
        for bye in byes { send(bye, call: id, &table, &outbox) }
    }

    /// Sends a non-INVITE request, retransmitted over UDP until a final response.
    private func send(_ outgoing: OutgoingRequest, call id: UInt64, _ table: inout Table, _ outbox: inout Outbox) {
        outbox.send(outgoing.bytes, on: outgoing.flow)
        let key = outgoing.branch + outgoing.request.method.rawValue
        table.outgoing[key] = Pending(call: id, outgoing: outgoing)
        if !outgoing.flow.peer.transport.isReliable {
            let t1 = timers.t1
            outbox.after(t1, on: outgoing.flow, .outgoingRetransmit(key: key, interval: t1, elapsed: t1))
        } else {
            let timeout = timers.transactionTimeout
            outbox.after(timeout, on: outgoing.flow, .outgoingRetransmit(key: key, interval: timeout, elapsed: timeout))
        }
    }

    /// The call has its final state: record it and forget it once retransmissions are over.
    private func finish(_ id: UInt64, _ table: inout Table, _ outbox: inout Outbox) {
        guard var call = table.calls[id], call.phase != .ended else { return }
        call.phase = .ended
        call.record.end = Date()
        for timer in call.longTimers { timer.cancel() }
        call.longTimers = []
        table.calls[id] = call
        var record = CallDetailRecord(callID: call.callerDialog.callID, caller: call.caller, callee: call.callee, dialed: call.record.dialed,
                                      sent: call.record.sent, route: call.record.route, trunk: call.record.trunk,
                                      start: call.record.start, answer: call.record.answer, end: call.record.end ?? Date(),
                                      disposition: call.record.disposition, hangupSide: call.record.hangupSide, cause: call.record.cause)
        if let session = call.media {
            (record.packetsFromCaller, record.packetsFromCallee) = session.packets
            outbox.closing.append(session)
        }
        outbox.ended.append(record)
        // What stays for the retransmissions: the final response, the ACKs, the indexes. Bodies and sent bytes go.
        call.media = nil
        call.lastProvisional = nil
        call.invite.body = []
        for index in call.forks.indices {
            call.forks[index].invite.bytes = []
            call.forks[index].invite.request.body = []
        }
        table.calls[id] = call
        let linger = timers.transactionTimeout
        outbox.after(linger, on: call.callerDialog.flow, .remove(call: id))
    }

    private func carryOut(_ outbox: Outbox) {
        for (flow, bytes) in outbox.sends { flow.send(bytes, via: nil) }
        for (loop, delay, timer) in outbox.timers {
            let scheduled = loop.scheduleTask(in: .nanoseconds(Int64(delay.components.seconds) * 1_000_000_000
                                                               + Int64(delay.components.attoseconds / 1_000_000_000))) { [self] in
                fire(timer)
            }
            switch timer {
            case .ringTimeout(let id), .maxDuration(let id):
                table.withLock { table in
                    if table.calls[id]?.phase != .ended { table.calls[id]?.longTimers.append(scheduled) } else { scheduled.cancel() }
                }
            default:
                break
            }
        }
        for session in outbox.closing { session.close() }
        for ended in outbox.ended { onEnded(ended) }
    }
}

extension SIPRequest {
    /// The CSeq number of a request we built ourselves.
    var cseqNumber: UInt32 { (try? cseq())?.sequence ?? 1 }
}

extension SIPPeer {
    /// Where a binding's device is reached: the source its REGISTER came from (`udp:1.2.3.4:5060`).
    init?(binding: Binding) {
        let parts = binding.source.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let transport = SIPTransportKind(rawValue: parts[0].uppercased()) else { return nil }
        let rest = String(parts[1])
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) else { return nil }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        guard let address = try? SocketAddress(ipAddress: host, port: port) else { return nil }
        self.init(address: address, transport: transport)
    }
}
