import NIOConcurrencyHelpers
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Opens media sessions: four UDP sockets per call (RTP and RTCP for each leg) from a bounded port range, relayed by
/// one of the relay's loops (`MediaLoop`, a thread each; a call goes to the one with the fewest). The legs of an ended call
/// stay bound and wait, oldest first, for a later call on the same loop (binding and closing four sockets per call
/// was the relay's main cost); a leg is reused only after the others kept before it, so late packets of its last
/// call rarely meet the next one, and then only from the addresses the next call names.
public final class MediaRelay: Sendable {
    public enum OpenError: Error, CustomStringConvertible {
        case noPorts
        public var description: String { "no free media ports in the relay range" }
    }

    private struct State: Sendable {
        var pool: MediaPortPool
        /// Bound legs of ended calls, oldest first, at most `keepLegs`.
        var kept: [MediaLoop.Leg] = []
        /// Open sessions on each loop; a call goes to the loop with the fewest.
        var open: [Int]
    }

    private let state: NIOLockedValueBox<State>
    private let loops: [MediaLoop]
    private let host: String
    private let keepLegs: Int

    /// `host` is the address the sockets bind to (all interfaces by default); `keepLegs` bounds the bound legs kept
    /// for reuse; `threads` is how many loops relay (one per core by default).
    public init(settings: MediaSettings, host: String = "0.0.0.0", keepLegs: Int = 512, threads: Int = System.coreCount) {
        let pool = MediaPortPool(min: settings.portMin, max: settings.portMax)
        let state = NIOLockedValueBox(State(pool: pool, open: Array(repeating: 0, count: max(1, threads))))
        self.state = state
        // A name (a listener given as localhost, say) is looked up once; sockets bind to the address.
        let host = MediaAddress(host: host, port: 0) != nil ? host : (try? SocketAddress.makeAddressResolvingHost(host, port: 0))?.ipAddress ?? host
        self.host = host
        self.keepLegs = keepLegs
        let family = MediaAddress(host: host, port: 0)?.family ?? AF_INET
        loops = (0..<max(1, threads)).map { index in
            MediaLoop(family: family, base: pool.first, span: pool.span, name: "media relay \(index)") { port in
                state.withLockedValue { $0.pool.release(port) }
            }
        }
    }

    deinit {
        for loop in loops { loop.submit(.stop) }
    }

    /// Sessions open now (each holds two RTP and two RTCP ports).
    public var openSessions: Int { state.withLockedValue { $0.open.reduce(0, +) } }

    /// Legs kept bound for the next calls.
    public var keptLegs: Int { state.withLockedValue { $0.kept.count } }

    /// Runs `body` on every relay thread (to raise their priority, say); answers what each returned.
    public func onEachThread<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> [Result] {
        var results: [Result] = []
        for loop in loops {
            results.append(await withCheckedContinuation { continuation in
                loop.submit(.run { continuation.resume(returning: body()) })
            })
        }
        return results
    }

    /// A session whose endpoints (prompts, digits) run on `loop`.
    public func openSession(on loop: any EventLoop) -> EventLoopFuture<MediaSession> {
        openSession(on: loop, relayLoop: nil)
    }

    /// `relayLoop` picks the loop that relays the session (tests); nil, the least busy. Futures on the signalling
    /// loop throughout: a call's setup does not hop threads unless every port is bound.
    func openSession(on loop: any EventLoop, relayLoop: Int?) -> EventLoopFuture<MediaSession> {
        let index = state.withLockedValue { state in
            let index = relayLoop ?? state.open.indices.min { state.open[$0] < state.open[$1] } ?? 0
            state.open[index] += 1
            return index
        }
        return leg(on: index, loop).flatMapErrorThrowing { error in
            self.state.withLockedValue { $0.open[index] -= 1 }
            throw error
        }.flatMap { caller in
            self.leg(on: index, loop).flatMapErrorThrowing { error in
                self.release([caller], on: index, detaching: nil)
                throw error
            }.map { callee in
                let counters = MediaCounters(now: .now())
                let relayLoop = self.loops[index]
                relayLoop.submit(.attach(caller: caller, callee: callee, call: counters))
                return MediaSession(relayLoop: relayLoop, ports: [caller.port, callee.port], loop: loop, counters: counters) { [self] in
                    release([caller, callee], on: index, detaching: counters)
                }
            }
        }
    }

    /// A leg for relay loop `index`: one it kept, else a newly bound port pair. With every port bound, the oldest leg
    /// kept for another loop gives its port up.
    private func leg(on index: Int, _ loop: any EventLoop, attempt: Int = 0) -> EventLoopFuture<MediaLoop.Leg> {
        enum Next {
            case reuse(MediaLoop.Leg), bind(Int), evict(MediaLoop.Leg), none
        }
        guard attempt < 8 else { return loop.makeFailedFuture(OpenError.noPorts) }
        let next = state.withLockedValue { state -> Next in
            if let kept = state.kept.firstIndex(where: { $0.loop == index }) { return .reuse(state.kept.remove(at: kept)) }
            if let port = state.pool.take() { return .bind(port) }
            return state.kept.isEmpty ? .none : .evict(state.kept.removeFirst())
        }
        switch next {
        case .reuse(let leg):
            return loop.makeSucceededFuture(leg)
        case .bind(let port):
            // A port someone else holds stays out of the pool; the next is tried.
            guard let rtp = try? MediaSocket.bind(host: host, port: port) else { return leg(on: index, loop, attempt: attempt + 1) }
            guard let rtcp = try? MediaSocket.bind(host: host, port: port + 1) else {
                Glibc.close(rtp)
                return leg(on: index, loop, attempt: attempt + 1)
            }
            return loop.makeSucceededFuture(MediaLoop.Leg(port: port, rtp: rtp, rtcp: rtcp, loop: index))
        case .evict(let leg):
            let closed = loop.makePromise(of: Void.self)
            loops[leg.loop].submit(.close(leg, done: { closed.succeed() }))
            return closed.futureResult.flatMap { self.leg(on: index, loop, attempt: attempt + 1) }
        case .none:
            return loop.makeFailedFuture(OpenError.noPorts)
        }
    }

    /// Legs of an ended call (`detaching`) or of one never opened: kept bound while there is room, else closed and
    /// their ports freed. The loop hears of it before any later call can take a kept leg.
    private func release(_ legs: [MediaLoop.Leg], on index: Int, detaching call: MediaCounters?) {
        state.withLockedValue { state in
            state.open[index] -= 1
            let closing = legs.filter { leg in
                guard call != nil, state.kept.count < keepLegs else { return true }
                // At once, not when the loop takes the detach up to a turn later: a connected socket's kernel drops
                // the next call's packets from its new phones, and nothing would wake the loop for them.
                MediaSocket.disconnect(leg.rtp)
                MediaSocket.disconnect(leg.rtcp)
                state.kept.append(leg)
                return false
            }
            if let call {
                loops[index].submit(.detach(caller: legs[0].port, call: call, closing: closing))
            } else {
                for leg in closing { loops[index].submit(.close(leg, done: {})) }
            }
        }
    }
}
