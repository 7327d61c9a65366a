import CoreMetrics
import Defense
import DefenseRuntime
import Events
import Foundation
import GeoIP
import Logging
import Model
import SIPAuth
import SIPCore
import SIPStack
import Storage
import Synchronization

/// The SIP element behind the transports: absorbs retransmissions, answers OPTIONS, runs registration, and turns
/// every decision into a response and, where it matters, an event. Runs on the event loop; never awaits.
public final class SIPRequestDispatcher: SIPMessageHandler {
    private let authenticator: RegistrationAuthenticator
    private let registrationGuard: RegistrationGuard?
    private let router: CallRouter?
    private let trunkRegistrar: TrunkRegistrar?
    private let notificationCaller: NotificationCaller?
    private let location: LocationService
    private let registrar: Mutex<Registrar>
    private let transactions: Mutex<ServerTransactionTable>
    /// Repeated failures from one source become one event and a summary with their count.
    private let failures = Mutex(EventAggregator())
    private let relayProofs = Mutex(RelayProofLedger())
    private let bus: EventBus
    private let metrics = SIPMetrics()
    private let logger: Logger
    private let clock: @Sendable () -> Date
    private let start = ContinuousClock.now

    /// `registrationGuard` counts failures and locks out guessers; nil leaves registration without lockout.
    /// The methods this element takes part in: registration, OPTIONS, and calls through the B2BUA.
    static let allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO"

    /// `router` takes authenticated INVITEs and everything inside calls; nil answers INVITE 501 after authentication.
    public init(configuration: PBXConfiguration, authenticator: RegistrationAuthenticator, registrationGuard: RegistrationGuard? = nil,
                router: CallRouter? = nil, trunkRegistrar: TrunkRegistrar? = nil, notificationCaller: NotificationCaller? = nil, location: LocationService, bus: EventBus, logger: Logger,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.trunkRegistrar = trunkRegistrar
        self.notificationCaller = notificationCaller
        self.authenticator = authenticator
        self.registrationGuard = registrationGuard
        self.router = router
        self.location = location
        registrar = Mutex(Registrar(bounds: configuration.sip.registration))
        transactions = Mutex(ServerTransactionTable())
        self.bus = bus
        self.logger = logger
        self.clock = clock
    }

    /// Non-INVITE server transactions still remembered (answered ones until Timer J).
    public var serverTransactions: Int { transactions.withLock { $0.count } }

    /// New registration bounds take effect for the next REGISTER.
    public func update(bounds: RegistrationBounds) {
        registrar.withLock { $0.bounds = bounds }
    }

    public func handle(_ message: consuming SIPMessage, replier: SIPReplier) {
        let request: SIPRequest
        switch consume message {
        case .request(let received):
            request = received
        case .response(let response):
            metrics.responses.increment()
            if trunkRegistrar?.receive(response) != true, notificationCaller?.receive(response) != true {
                router?.receive(response, replier: replier)
            }
            return
        }
        metrics.request(request.method.rawValue)
        // Read once here for the scanner check and handed on: a phone's User-Agent is longer than a string holds inline.
        let userAgent = request.headers[.userAgent]
        if let registrationGuard, let userAgent, let attempt = RegistrationAttempt(replier.peer, account: nil, userAgent: userAgent) {
            if registrationGuard.isScanner(attempt, method: request.method.rawValue, now: clock()) {
                metrics.scannersDropped.increment()
                return
            }
        }
        if request.method == .options, request.toTag == nil {
            // Keepalives of every phone and trunk: answered statelessly (a retransmission is answered again), so they
            // cost no transaction kept for 32 s and no lock of the call table.
            replier.send(Self.options(request), via: try? request.topVia())
            return
        }
        if notificationCaller?.receive(request, replier: replier) == true { return }
        if let router {
            switch router.receive(request, replier: replier) {
            case .handled:
                return
            case .forged(let reason):
                recordFailure(request, peer: replier.peer, reason: reason, account: nil, guess: true, now: clock())
                return
            case .notMine:
                break
            }
        }
        guard request.method != .ack else { return }
        let via = try? request.topVia()
        // INVITE server transactions live in the call router; a challenged INVITE sent again is challenged again. So is
        // a REGISTER without credentials: answered statelessly, as Kamailio's registrar does, its retransmission gets a
        // fresh challenge, and the half of every registration that is challenged keeps nothing for 32 s (at 8,000
        // registrations/s, 4 MB a second of remembered answers).
        let stateless = request.method == .invite || (request.method == .register && !request.headers.contains(.authorization))
        // A transaction is remembered only where a branch with the RFC 3261 cookie identifies it.
        let key = stateless || via?.hasRFC3261Branch != true ? nil : via.map { ServerTransactionKey(via: $0, method: request.method) }
        if let key {
            if case .retransmission(let bytes) = transactions.withLock({ $0.receive(key, reliable: replier.peer.transport.isReliable) }) {
                metrics.retransmissions.increment()
                if let bytes { replier.send(bytes, via: via) }
                return
            }
        }
        guard let response = respond(to: request, replier: replier, userAgent: userAgent) else { return }
        guard let key else { return replier.send(response, via: via) }
        // Kept as an array of exactly its length: a transport buffer's capacity is rounded up to a power of two, and
        // the table holds an answer for every request of the last 32 s.
        let bytes = response.serialized()
        replier.send(bytes, via: via)
        let now = ContinuousClock.now - start
        transactions.withLock { $0.responded(key, bytes: bytes, final: response.statusCode >= 200, now: now) }
    }

    public func handleMalformed(_ error: SIPParseError, badRequest: [UInt8]?, replier: SIPReplier) {
        metrics.malformed.increment()
        logger.debug("malformed SIP message", metadata: ["source": "\(replier.peer)", "error": "\(error)"])
        if let badRequest { replier.send(badRequest, via: nil) }
    }

    /// Timer-driven housekeeping: expired registrations and finished transactions. Called about once a second.
    public func sweep() {
        let now = clock()
        for summary in failures.withLock({ $0.flush(now: now) }) { bus.publish(summary) }
        for aor in location.expire(now: now) {
            bus.publish(PortcullisEvent(EventCatalogue.extensionUnregistered, time: now, fields: ["extension": aor, "reason": "expired"]))
        }
        let elapsed = ContinuousClock.now - start
        transactions.withLock { _ = $0.expire(now: elapsed) }
        relayProofs.withLock { $0.expire(now: now) }
        router?.sweep()
    }

    /// Nil when the call router answers by itself.
    private func respond(to request: SIPRequest, replier: SIPReplier, userAgent: String?) -> SIPResponse? {
        switch request.method {
        case .register:
            return register(request, peer: replier.peer, userAgent: userAgent)
        case .options:
            return Self.options(request)
        case .invite, .subscribe, .message, .refer, .publish:
            if request.method == .invite, let router, let proof = request.headers[SIPHeaderName(ClusterRelayProof.header)] {
                return relayed(request, proof: proof, router: router, replier: replier)
            }
            if request.method == .invite, let router, let trunk = router.trunk(from: replier.peer.ip) {
                let caller = (try? request.from())?.uri.sipURI?.user ?? "anonymous"
                return router.invite(request, caller: caller, replier: replier, from: trunk)
            }
            return authenticated(request, replier: replier)
        default:
            return notImplemented(request)
        }
    }

    /// Records a refused request ("Extension Registration Failed", with the method when it is not REGISTER) and
    /// answers it; a `guess` (a wrong answer to a challenge) also counts towards the lockout.
    private func failed(_ request: SIPRequest, peer: SIPPeer, status: Int, reason: String, account: String?, guess: Bool,
                        now: Date) -> SIPResponse {
        recordFailure(request, peer: peer, reason: reason, account: account, guess: guess, now: now)
        return SIPResponse(replyingTo: request, statusCode: status, toTag: CallMessages.newTag())
    }

    private func recordFailure(_ request: SIPRequest, peer: SIPPeer, reason: String, account: String?, guess: Bool, now: Date) {
        let userAgent = request.headers[.userAgent]
        var fields = SIPRequestDispatcher.facts(peer, userAgent: userAgent)
        fields["reason"] = reason
        fields["account"] = account
        if request.method != .register { fields["method"] = request.method.rawValue }
        metrics.registrationsFailed.increment()
        let event = PortcullisEvent(EventCatalogue.registrationFailed, time: now, fields: fields)
        // Each reason stays visible once per window; a flood of the same failure becomes one event and a count.
        if let first = failures.withLock({ $0.admit(event, source: peer.ip + " " + reason) }) { bus.publish(first) }
        if guess, let registrationGuard, let attempt = RegistrationAttempt(peer, account: account, userAgent: userAgent) {
            registrationGuard.failed(attempt, known: account.map(authenticator.knows) ?? false, reason: reason, now: now)
        }
    }

    /// Credentials answered by a new challenge: a forged nonce, a wrong realm or a replayed count is a guess like a
    /// wrong password; an expired nonce with the right password is a phone that waited too long.
    private func recordChallenged(_ failure: DigestVerdict?, _ request: SIPRequest, peer: SIPPeer, now: Date) {
        guard let failure else { return }
        recordFailure(request, peer: peer, reason: failure.rawValue, account: nil, guess: failure != .staleNonce, now: now)
    }

    /// Who sent a request, as every registration event names them.
    private static func facts(_ peer: SIPPeer, userAgent: String?) -> [String: String] {
        var facts = ["ip": peer.ip, "port": String(peer.port), "transport": peer.transport.rawValue]
        facts["user_agent"] = userAgent
        return facts
    }

    private func notImplemented(_ request: SIPRequest) -> SIPResponse {
        var response = SIPResponse(replyingTo: request, statusCode: 501, toTag: CallMessages.newTag())
        response.headers.append(.allow, SIPRequestDispatcher.allowed)
        return response
    }

    /// Requests that can cost money or reveal state must authenticate (407, Proxy-Authorization) before anything
    /// else, and a wrong answer counts towards the same lockout as a wrong REGISTER. An authenticated INVITE goes to
    /// the call router; the other methods are answered 501.
    private func authenticated(_ request: SIPRequest, replier: SIPReplier) -> SIPResponse? {
        let peer = replier.peer
        let now = clock()
        func failure(_ status: Int, _ reason: String, account: String?) -> SIPResponse {
            failed(request, peer: peer, status: status, reason: reason, account: account, guess: true, now: now)
        }
        switch authenticator.authenticate(request, header: .proxyAuthorization, now: now) {
        case .challenge(let stale, let failure):
            recordChallenged(failure, request, peer: peer, now: now)
            var response = SIPResponse(replyingTo: request, statusCode: 407, toTag: CallMessages.newTag())
            for challenge in authenticator.challenges(now: now, stale: stale) { response.headers.append(.proxyAuthenticate, challenge) }
            return response
        case .malformed(let reason):
            return SIPResponse(replyingTo: request, statusCode: 400, reasonPhrase: "Bad Request (\(reason.prefix(80)))",
                               toTag: CallMessages.newTag())
        case .forbidden(let reason, let username):
            return failure(403, reason, account: username)
        case .authenticated(let account):
            if let registrationGuard, let address = IPAddress(peer.address),
               registrationGuard.refuses(account: account.registrationName, from: address, now: now) {
                return failure(403, "account locked after distributed guessing", account: account.registrationName)
            }
            if request.method == .invite, let router {
                return router.invite(request, caller: account.number, replier: replier)
            }
            return notImplemented(request)
        }
    }

    /// A call another cluster node relays to this node's devices: taken without a challenge only with a proof made
    /// for this call by a live node, from that node's address, and only once; anything else is refused, and a proof
    /// that does not hold is counted as a guess.
    private func relayed(_ request: SIPRequest, proof value: String, router: CallRouter, replier: SIPReplier) -> SIPResponse? {
        let now = clock()
        let caller = (try? request.from())?.uri.sipURI?.user ?? ""
        guard let cluster = router.cluster, let proof = ClusterRelayProof(parsing: value), cluster.remote.isLive(proof.node, at: replier.peer.ip),
              let callID = request.callID, let callee = request.uri.sipURI?.user,
              proof.holds(callID: callID, caller: caller, callee: callee, now: now, key: router.secrets.fingerprint) else {
            return failed(request, peer: replier.peer, status: 403, reason: "relayed call without a valid cluster proof", account: nil,
                          guess: true, now: now)
        }
        switch relayProofs.withLock({ $0.take(proof, branch: (try? request.topVia())?.branch ?? "") }) {
        case .first:
            let immediate = router.invite(request, caller: caller, replier: replier, relayedFrom: proof.node)
            if let immediate { relayProofs.withLock { $0.refused(proof, status: immediate.statusCode) } }
            return immediate
        case .refusedBefore(let status):
            return SIPResponse(replyingTo: request, statusCode: status, toTag: CallMessages.newTag())
        case .replayed:
            return failed(request, peer: replier.peer, status: 403, reason: "relayed call replayed", account: nil, guess: false, now: now)
        case .full:
            logger.error("relayed call refused: \(RelayProofLedger.capacity) relayed calls taken within a minute")
            return SIPResponse(replyingTo: request, statusCode: 503, toTag: CallMessages.newTag())
        }
    }

    private func register(_ request: SIPRequest, peer: SIPPeer, userAgent: String?) -> SIPResponse {
        let now = clock()
        func failure(_ status: Int, _ reason: String, account: String?) -> SIPResponse {
            failed(request, peer: peer, status: status, reason: reason, account: account, guess: false, now: now)
        }
        /// A failure that counts towards the lockout: a wrong answer to the challenge, not a missing one.
        func guessed(_ status: Int, _ reason: String, account: String?) -> SIPResponse {
            failed(request, peer: peer, status: status, reason: reason, account: account, guess: true, now: now)
        }
        let address = IPAddress(peer.address)

        let aor = request.toUser
        switch authenticator.authenticate(request, now: now) {
        case .challenge(let stale, let failure):
            recordChallenged(failure, request, peer: peer, now: now)
            var response = SIPResponse(replyingTo: request, statusCode: 401, toTag: CallMessages.newTag())
            for challenge in authenticator.challenges(now: now, stale: stale) { response.headers.append(.wwwAuthenticate, challenge) }
            return response
        case .malformed(let reason):
            return failure(400, reason, account: nil)
        case .forbidden(let reason, let username):
            return guessed(403, reason, account: username)
        case .authenticated(let account):
            if let registrationGuard, let address, registrationGuard.refuses(account: account.registrationName, from: address, now: now) {
                return guessed(403, "account locked after distributed guessing", account: account.registrationName)
            }
            if let refusal = account.admission.refusal(registering: aor, from: address, userAgent: userAgent) {
                return guessed(403, refusal.description, account: account.registrationName)
            }
            let registrar = registrar.withLock { $0 }
            let (decision, before) = location.update(account.number) { current in
                let decision = registrar.decide(request, aor: account.number, current: current, source: peer.description,
                                                transport: peer.transport.rawValue, now: now, devices: account.maxRegistrations,
                                                replaceOldest: account.replaceOldest)
                return (decision, decision.statusCode == 200 ? decision.bindings : nil)
            }
            guard decision.statusCode == 200 else {
                var response = failure(decision.statusCode, decision.reason ?? "interval too brief", account: account.registrationName)
                if let minExpires = decision.minExpires { response.headers.append(.minExpires, String(minExpires)) }
                return response
            }
            metrics.registrationsAccepted.increment()
            if let registrationGuard, let attempt = RegistrationAttempt(peer, account: account.registrationName, userAgent: userAgent) {
                registrationGuard.succeeded(attempt, account: account.registrationName, now: now)
            }
            // A refresh (most REGISTERs) raises no event, so the event's facts are gathered only for a change.
            if before.isEmpty != decision.bindings.isEmpty {
                var fields = SIPRequestDispatcher.facts(peer, userAgent: userAgent)
                fields["extension"] = account.number
                if before.isEmpty {
                    fields["contact"] = decision.bindings.map(\.contact).joined(separator: ", ")
                    bus.publish(PortcullisEvent(EventCatalogue.extensionRegistered, time: now, fields: fields))
                } else {
                    fields["reason"] = "unregistered by the device"
                    bus.publish(PortcullisEvent(EventCatalogue.extensionUnregistered, time: now, fields: fields))
                }
            }
            var response = SIPResponse(replyingTo: request, statusCode: 200, toTag: CallMessages.newTag())
            // RFC 5626 section 6: a device finds its own binding by the instance and reg-id it sent.
            var sent: [String: GenericParameters] = [:]
            for case .address(let address) in (try? request.contacts()) ?? [] {
                let echoed = address.parameters.keeping(Self.echoedContactParameters)
                if !echoed.isEmpty { sent[address.uri.description] = echoed }
            }
            for binding in decision.bindings {
                let echoed = sent[binding.contact]?.serialized ?? ""
                let expires = String(binding.remainingSeconds(at: now))
                var contact = ""
                contact.reserveCapacity(binding.contact.utf8.count + expires.utf8.count + echoed.utf8.count + 11)
                contact += "<"
                contact += binding.contact
                contact += ">;expires="
                contact += expires
                contact += echoed
                response.headers.append(.contact, contact)
            }
            return response
        }
    }

    /// The Contact parameters a 200 to REGISTER repeats for the binding they came with (RFC 5626 section 6).
    private static let echoedContactParameters: Set<String> = ["+sip.instance", "reg-id"]

    /// What the PBX can do: 200 with the methods and the body type it takes.
    private static func options(_ request: SIPRequest) -> SIPResponse {
        var response = SIPResponse(replyingTo: request, statusCode: 200, toTag: CallMessages.newTag())
        response.headers.append(.allow, allowed)
        response.headers.append(.accept, "application/sdp")
        return response
    }
}

extension RegistrationAttempt {
    /// The attempt as the lockout sees it; nil for a peer without an IP address.
    init?(_ peer: SIPPeer, account: String?, userAgent: String?) {
        guard let address = IPAddress(peer.address) else { return nil }
        self.init(address: address, port: peer.port, localPort: peer.localPort, transport: peer.transport == .udp ? .udp : .tcp,
                  account: account, userAgent: userAgent)
    }
}

extension SIPRequest {
    /// The user part of the To URI: the extension a REGISTER is for.
    var toUser: String? {
        switch (try? to())?.uri {
        case .sip(let uri): uri.user
        case .tel(let uri): uri.digits
        default: nil
        }
    }
}
