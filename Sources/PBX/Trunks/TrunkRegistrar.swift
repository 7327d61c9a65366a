import Events
import Foundation
import NIOCore
import NIOPosix
import SIPAuth
import SIPCore
import SIPStack
import Synchronization

/// Keeps the PBX registered at every registration trunk's provider (RFC 3261 section 10 as a client): REGISTER,
/// one answer to the provider's digest challenge, refresh before expiry, retry after a failure. A failure raises
/// "SIP Trunk Registration Failed" once per run of failures; the first success after it raises "SIP Trunk
/// Registered".
public final class TrunkRegistrar: Sendable {
    /// Seconds asked for; the provider's answer decides, and we refresh at 80 % of it.
    static let expires = 300
    static let retryAfter: TimeAmount = .seconds(60)

    private struct Registration: Sendable {
        var trunk: TrunkSettings
        var address: SocketAddress
        var callID = CallMessages.token() + "@portcullis"
        var fromTag = CallMessages.newTag()
        var sequence: UInt32 = 0
        var branch = ""
        var bytes: [UInt8] = []
        /// Timers E and F of the REGISTER in flight.
        var transaction: ClientNonInviteTransaction?
        var answeredChallenge = false
        var registered = false
        var failing = false
        var status = "not registered yet"
        /// Bumped on every new attempt; timers of older attempts do nothing.
        var attempt = 0
    }

    private let registrations = Mutex<[String: Registration]>([:])
    private let flows: SIPFlowTable
    private let advertisedHost: String?
    private let publish: @Sendable (PortcullisEvent) -> Void
    private let timers: TransactionTimers
    private let start = ContinuousClock.now

    public init(flows: SIPFlowTable, advertisedHost: String?, timers: TransactionTimers = TransactionTimers(),
                publish: @escaping @Sendable (PortcullisEvent) -> Void) {
        self.flows = flows
        self.advertisedHost = advertisedHost
        self.timers = timers
        self.publish = publish
    }

    /// Registration state per trunk name, for `trunk list`.
    public var statuses: [String: String] { registrations.withLock { $0.mapValues(\.status) } }

    /// Starts registering new or changed trunks, stops removed ones.
    public func update(_ table: RoutingTable) {
        let wanted = table.allTrunks.filter { $0.settings.registers }
        let started: [String] = registrations.withLock { registrations in
            let names = Set(wanted.map(\.settings.name))
            registrations = registrations.filter { names.contains($0.key) }
            var started: [String] = []
            for trunk in wanted {
                guard let address = trunk.address else { continue }
                if let current = registrations[trunk.settings.name], current.trunk == trunk.settings, current.address == address { continue }
                registrations[trunk.settings.name] = Registration(trunk: trunk.settings, address: address)
                started.append(trunk.settings.name)
            }
            return started
        }
        for name in started { register(name) }
    }

    /// A response to one of our REGISTERs; false when it is not ours.
    public func receive(_ response: SIPResponse) -> Bool {
        guard let branch = (try? response.topVia())?.branch, (try? response.cseq())?.method == .register else { return false }
        var next: (name: String, delay: TimeAmount?)?
        var event: PortcullisEvent?
        let ours: Bool = registrations.withLock { registrations in
            guard let (name, registration) = registrations.first(where: { $0.value.branch == branch }) else { return false }
            var updated = registration
            updated.branch = ""
            switch response.statusCode {
            case 100..<200:
                updated.branch = branch
            case 200..<300:
                let granted = ((try? response.contacts())?.compactMap { contact -> UInt32? in
                    if case .address(let address) = contact { return try? address.expires() }
                    return nil
                }.first) ?? ((try? response.expires()) ?? nil) ?? UInt32(TrunkRegistrar.expires)
                updated.status = "registered for \(granted) s"
                if updated.failing {
                    event = PortcullisEvent(EventCatalogue.trunkReregistered, fields: ["trunk": name, "expires": String(granted)])
                } else if !updated.registered {
                    event = PortcullisEvent(EventCatalogue.trunkRegistered, fields: ["trunk": name, "expires": String(granted)])
                }
                updated.registered = true
                updated.failing = false
                next = (name, .seconds(Int64(max(30, Int(granted) * 4 / 5))))
            case 401 where !updated.answeredChallenge, 407 where !updated.answeredChallenge:
                let header = response.headers[response.statusCode == 401 ? .wwwAuthenticate : .proxyAuthenticate]
                if let header, let challenge = try? DigestChallenge(parsing: header), let username = updated.trunk.username,
                   let password = updated.trunk.password {
                    updated.answeredChallenge = true
                    let credentials = DigestCredentials(answering: challenge, username: username, password: password, method: .register,
                                                        uri: "sip:\(updated.trunk.host)", cnonce: CallMessages.token())
                    registrations[name] = updated
                    next = (name, nil)
                    send(name, authorization: (response.statusCode == 401 ? .authorization : .proxyAuthorization, credentials.headerValue),
                         in: &registrations)
                    return true
                }
                fallthrough
            default:
                event = failed(&updated, name: name, reason: "\(response.statusCode) \(response.reasonPhrase)")
                next = (name, TrunkRegistrar.retryAfter)
            }
            registrations[name] = updated
            return true
        }
        if let event { publish(event) }
        if let next, let delay = next.delay { schedule(next.name, after: delay) }
        return ours
    }

    private func register(_ name: String) {
        registrations.withLock { registrations in
            registrations[name]?.answeredChallenge = false
            send(name, authorization: nil, in: &registrations)
        }
    }

    /// Sends (or, without a flow yet, retries later) one REGISTER and arms its retransmission.
    private func send(_ name: String, authorization: (SIPHeaderName, String)?, in registrations: inout [String: Registration]) {
        guard var registration = registrations[name] else { return }
        guard let flow = flows.replier(to: SIPPeer(address: registration.address, transport: .udp)) else {
            // No UDP listener of the trunk's address family (yet): try again shortly.
            registrations[name] = registration
            schedule(name, at: registration.address, after: .seconds(5))
            return
        }
        registration.sequence += 1
        registration.attempt += 1
        registration.branch = CallMessages.newBranch()
        let user = registration.trunk.username ?? ""
        var headers = SIPHeaders()
        headers.append(.via, CallMessages.via(flow, branch: registration.branch, advertised: advertisedHost))
        headers.append(.maxForwards, "70")
        headers.append(.from, "<sip:\(user)@\(registration.trunk.host)>;tag=\(registration.fromTag)")
        headers.append(.to, "<sip:\(user)@\(registration.trunk.host)>")
        headers.append(.callID, registration.callID)
        headers.append(.cseq, "\(registration.sequence) REGISTER")
        headers.append(.contact, CallMessages.contact(flow, user: user, advertised: advertisedHost))
        headers.append(.expires, String(TrunkRegistrar.expires))
        if let authorization { headers.append(authorization.0, authorization.1) }
        let uri = (try? URI(parsing: "sip:\(registration.trunk.host)")) ?? .sip(SIPURI(host: registration.address.ipAddress ?? ""))
        registration.bytes = SIPRequest(method: .register, uri: uri, headers: headers).serialized()
        let now = ContinuousClock.now - start
        let transaction = ClientNonInviteTransaction(reliable: false, now: now, timers: timers)
        registration.transaction = transaction
        registrations[name] = registration
        flow.send(registration.bytes, via: nil)
        arm(transaction.timers, trunk: name, attempt: registration.attempt, now: now, on: flow)
    }

    /// Schedules the REGISTER transaction's timers (only `timerName` after one fired).
    private func arm(_ transactionTimers: [TransactionTimer], only timerName: TransactionTimer.Name? = nil, trunk name: String,
                     attempt: Int, now: Duration, on flow: SIPReplier) {
        for timer in transactionTimers where timerName == nil || timer.name == timerName {
            flow.eventLoop.scheduleTask(in: TimeAmount(timer.deadline - now)) { [self] in
                fired(timer.name, trunk: name, attempt: attempt, on: flow)
            }
        }
    }

    /// Timer E resends the REGISTER; Timer F gives up, records the failure and retries later.
    private func fired(_ timerName: TransactionTimer.Name, trunk name: String, attempt: Int, on flow: SIPReplier) {
        let now = ContinuousClock.now - start
        var event: PortcullisEvent?
        var timedOut = false
        let resend: (bytes: [UInt8], timers: [TransactionTimer])? = registrations.withLock { registrations in
            guard var registration = registrations[name], registration.attempt == attempt, !registration.branch.isEmpty,
                  var transaction = registration.transaction else { return nil }
            let actions = transaction.timerFired(timerName, now: now)
            registration.transaction = transaction
            if actions.contains(.timeout) {
                registration.branch = ""
                timedOut = true
                event = failed(&registration, name: name, reason: "no answer from \(registration.trunk.host)")
            }
            registrations[name] = registration
            return actions.contains(.transmit) ? (registration.bytes, transaction.timers) : nil
        }
        if let event { publish(event) }
        if timedOut { schedule(name, after: TrunkRegistrar.retryAfter) }
        guard let resend else { return }
        flow.send(resend.bytes, via: nil)
        arm(resend.timers, only: timerName, trunk: name, attempt: attempt, now: now, on: flow)
    }

    private func schedule(_ name: String, after delay: TimeAmount) {
        guard let address = registrations.withLock({ $0[name]?.address }) else { return }
        schedule(name, at: address, after: delay)
    }

    /// Never takes the lock, so it can be called with it held.
    private func schedule(_ name: String, at address: SocketAddress, after delay: TimeAmount) {
        let loop = flows.replier(to: SIPPeer(address: address, transport: .udp))?.eventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        loop.scheduleTask(in: delay) { [self] in register(name) }
    }

    /// Records a failure; the event only for the first of a run, so a provider that is down does not flood the log.
    private func failed(_ registration: inout Registration, name: String, reason: String) -> PortcullisEvent? {
        registration.status = "failed: \(reason)"
        registration.registered = false
        defer { registration.failing = true }
        guard !registration.failing else { return nil }
        return PortcullisEvent(EventCatalogue.trunkRegistrationFailed, fields: ["trunk": name, "host": registration.trunk.host, "reason": reason])
    }
}
