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

/// The B2BUA's I/O: it hands each event (request, response, timer, keyed digits, the relay's sockets) to the call
/// state machine (`CallState`) with the environment of the moment, then carries out the outbox the machine filled:
/// messages on their flows, timers as NIO scheduled tasks on the flow's loop (transaction timers coalesced per 10 ms),
/// records, events, prompts. Runs on the event loops: the state is behind one mutex held for microseconds, and nothing
/// is sent while it is held.
public final class CallRouter: Sendable {
    typealias Outbox = CallState.Outbox
    typealias Timer = CallState.Timer

    let state: Mutex<CallState>
    let routing = Mutex(RoutingTable())
    let settings: Mutex<CallSettings>
    let timers: TransactionTimers
    /// Transaction timers, one NIO task per 10 ms slot; the long timers that a call cancels stay NIO tasks of their own.
    let coalescedTimers = CoalescingTimers<Timer>()
    let location: LocationService
    let directory: ExtensionDirectory
    let flows: SIPFlowTable
    /// Nil when media flows directly between the phones (`sip.media.relay: false`).
    let media: MediaRelay?
    let rtpTimeout: Int
    let logger: Logger
    let onEnded: @Sendable (CallDetailRecord) -> Void
    let onAnswered: @Sendable (CallDetailRecord) -> Void
    let onEvent: @Sendable (PortcullisEvent) -> Void
    /// Lock changes to store, with the locks held now (standing in for stored ones that cannot be read).
    let onLocksChanged: @Sendable ([OutboundLockChange], [String: OutboundLock]) -> Void
    /// Keyed PINs are compared as its fingerprints; relayed calls are proven with it.
    let secrets: SecretBox
    let clock: CallClock
    /// This node's name and the other nodes' devices, in a cluster.
    let cluster: Cluster?

    public struct Cluster: Sendable {
        public var node: String
        public var remote: RemoteLocations
        /// Counts outbound calls for the whole cluster (the shared store).
        public var ledger: (any OutboundLedger)?
        /// Whether answered calls are journaled, so that another node closes their records should this one die.
        public var journaling: Bool
        public init(node: String, remote: RemoteLocations, ledger: (any OutboundLedger)?, journaling: Bool) {
            self.node = node
            self.remote = remote
            self.ledger = ledger
            self.journaling = journaling
        }
    }

    /// Ledger bookings of calls that ended, written behind (kept while the store is unreachable).
    public let endedReservations = WriteBehindQueue<[String]>()

    public init(settings: CallSettings = CallSettings(), timers: TransactionTimers = TransactionTimers(), location: LocationService,
                directory: ExtensionDirectory, flows: SIPFlowTable, media: MediaRelay? = nil, rtpTimeout: Int = 60, secrets: SecretBox, logger: Logger,
                clock: CallClock = CallClock(), cluster: Cluster? = nil, onEnded: @escaping @Sendable (CallDetailRecord) -> Void = { _ in },
                onAnswered: @escaping @Sendable (CallDetailRecord) -> Void = { _ in },
                onEvent: @escaping @Sendable (PortcullisEvent) -> Void = { _ in },
                onLocksChanged: @escaping @Sendable ([OutboundLockChange], [String: OutboundLock]) -> Void = { _, _ in }) {
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
        self.onAnswered = onAnswered
        self.clock = clock
        self.cluster = cluster
        state = Mutex(CallState(env: CallRouter.environment(now: clock.now(), elapsed: clock.elapsed(), settings: settings,
                                                             routing: RoutingTable(), timers: timers, relay: media != nil,
                                                             rtpTimeout: rtpTimeout, directory: directory, location: location,
                                                             flows: flows, secrets: secrets, cluster: cluster)))
    }

    /// The outbound policy's verdict on a call the PBX itself places for `caller` (a notification call to a mobile):
    /// the same routes, permissions, locks, number and country rules as if the extension dialed it ("" names no
    /// extension: routes open to all, default rules).
    func decideOwnCall(as caller: String, dialed: String) -> CallVerdict {
        let rules = directory.credentials(number: caller)?.calls ?? ExtensionCallRules()
        let policy = routing.withLock { $0.policy }
        let maxDuration = settings.withLock { $0.maxDuration }
        return state.withLock { state in
            policy.decide(CallPolicy.Attempt(caller: caller, rules: rules, dialed: dialed, defaultMaxDuration: maxDuration), state: state.outbound,
                          now: clock.now())
        }
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
    public var count: Int { state.withLock { $0.calls.count } }
    public var pendingRequests: Int { state.withLock { $0.outgoing.count + $0.relays.count } }

    // MARK: Events in, actions out

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
        return handle { state, outbox in state.receive(request, via: via, callID: callID, flow: replier.detached, &outbox) }
    }

    /// A response to something the PBX sent, matched by the branch of our Via.
    public func receive(_ response: SIPResponse, replier: SIPReplier) {
        guard let branch = (try? response.topVia())?.branch, let cseq = try? response.cseq() else { return }
        handle { state, outbox in state.receive(response, branch: branch, cseq: cseq, &outbox) }
    }

    /// A new INVITE: from extension `caller` once authenticated, or from `trunk` (then `caller` is the calling
    /// number, and only an inbound route can take the call: a trunk never reaches another trunk through us). Answers
    /// itself (100 Trying, then what the callee says); returns an immediate final response instead when the call
    /// cannot start (recorded as a failed attempt).
    public func invite(_ request: SIPRequest, caller: String, replier: SIPReplier, from trunk: RoutingTable.Trunk? = nil,
                       relayedFrom node: String? = nil) -> SIPResponse? {
        let flow = replier.detached
        let (immediate, opened) = handle { state, outbox in
            state.invite(request, caller: caller, flow: flow, from: trunk, relayedFrom: node, &outbox)
        }
        if let opened, let media {
            // The relay's sockets are bound on the caller's loop first; the callee's phones ring once they exist.
            media.openSession(on: flow.eventLoop).whenComplete { [self] result in
                let session = try? result.get()
                let current = handle { state, outbox in
                    state.mediaOpened(opened.id, session, contacts: opened.contacts, &outbox)
                    return state.calls[opened.id]?.media === session
                }
                if let session, !current { session.close() }
            }
        }
        return immediate
    }

    func fire(_ timers: [Timer]) {
        handle { state, outbox in
            for timer in timers { state.fire(timer, &outbox) }
        }
    }

    /// Hangs up answered calls whose media went silent; called about once a second.
    public func sweep() {
        handle { state, outbox in state.sweep(&outbox) }
    }

    func pinEntered(_ id: UInt64, _ digits: String?) {
        handle { state, outbox in state.pinEntered(id, digits, &outbox) }
    }

    func pinGoodbyePlayed(_ id: UInt64) {
        handle { state, outbox in state.pinGoodbyePlayed(id, &outbox) }
    }

    /// One event: the machine decides under the lock, with the time, settings and routing of this moment (its
    /// lookups were given once, at the start); the outbox is carried out once the lock is released.
    @discardableResult
    func handle<Result>(_ event: (inout CallState, inout Outbox) -> Result) -> Result {
        var outbox = Outbox()
        let (now, elapsed) = (clock.now(), clock.elapsed())
        let settings = settings.withLock { $0 }
        let routing = routing.withLock { $0 }
        let result = state.withLock { state in
            state.env.now = now
            state.env.elapsed = elapsed
            state.env.settings = settings
            state.env.routing = routing
            return event(&state, &outbox)
        }
        carryOut(outbox)
        return result
    }

    static func environment(now: Date, elapsed: Duration, settings: CallSettings, routing: RoutingTable, timers: TransactionTimers, relay: Bool,
                            rtpTimeout: Int, directory: ExtensionDirectory, location: LocationService, flows: SIPFlowTable,
                            secrets: SecretBox, cluster: Cluster?) -> CallEnvironment {
        CallEnvironment(
            now: now, elapsed: elapsed, settings: settings, routing: routing, timers: timers, relay: relay, rtpTimeout: rtpTimeout,
            rules: { directory.credentials(number: $0)?.calls ?? ExtensionCallRules() },
            isExtension: { directory.credentials(number: $0) != nil },
            destinations: { number, caller, advertised, localOnly in
                let local = location.bindings(for: number).compactMap { binding -> CallDestination? in
                    guard let peer = SIPPeer(binding: binding), let out = flows.replier(to: peer) else { return nil }
                    return CallDestination(uri: binding.contact, to: "<sip:\(number)@\(CallMessages.hostPort(out, advertised: advertised))>",
                                           fromUser: caller, flow: out, trunk: nil)
                }
                guard !localOnly, let cluster else { return local }
                return local + cluster.remote.nodes(for: number).compactMap { node, peer in
                    guard let out = flows.replier(to: peer) else { return nil }
                    let uri = "sip:\(number)@\(peer.ip.contains(":") ? "[\(peer.ip)]" : peer.ip):\(peer.port)"
                    return CallDestination(uri: uri, to: "<\(uri)>", fromUser: caller, flow: out, trunk: nil, node: node)
                }
            },
            relayProof: { callID, caller, callee, now in
                cluster.map { ClusterRelayProof(node: $0.node, callID: callID, caller: caller, callee: callee, now: now, key: secrets.fingerprint).headerValue }
            },
            flow: { flows.replier(to: $0) },
            ledgerNode: cluster.flatMap { $0.ledger == nil ? nil : $0.node }, journaling: cluster?.journaling ?? false,
            fingerprint: { secrets.fingerprint($0) })
    }

    func carryOut(_ outbox: Outbox) {
        for peer in outbox.mediaPeers { peer.session.setPeer(peer.side, host: peer.host, port: peer.port, signalling: peer.signalling) }
        for (flow, bytes) in outbox.sends { flow.send(bytes, via: nil) }
        for scheduled in outbox.cancelled { scheduled.cancel() }
        for (loop, delay, timer) in outbox.timers {
            switch timer {
            case .ringTimeout(let id), .maxDuration(let id):
                let scheduled = loop.scheduleTask(in: TimeAmount(delay)) { [self] in fire([timer]) }
                state.withLock { state in
                    if state.calls[id]?.phase != .ended { state.calls[id]?.longTimers.append(scheduled) } else { scheduled.cancel() }
                }
            default:
                coalescedTimers.schedule(timer, in: TimeAmount(delay), on: loop) { [self] in fire($0) }
            }
        }
        for session in outbox.closing { session.close() }
        startPrompts(outbox)
        for answered in outbox.answered { onAnswered(answered) }
        for ended in outbox.ended { onEnded(ended) }
        if let ledger = cluster?.ledger {
            for (id, reservation) in outbox.reservations {
                Task { [self] in
                    let answer = try? await ledger.reserve(reservation)
                    handle { state, outbox in state.reserved(id, reservation, answer, &outbox) }
                }
            }
            for key in outbox.reservationsEnded { endedReservations.append(key) }
        }
        for event in outbox.events { onEvent(event) }
        if !outbox.lockChanges.isEmpty { onLocksChanged(outbox.lockChanges, outboundLocks) }
    }
}
