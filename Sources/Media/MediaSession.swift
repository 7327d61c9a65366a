import NIOConcurrencyHelpers
import NIOCore

/// The two legs of one call's media through the relay. Each leg has an RTP and an RTCP socket on the PBX; what
/// arrives on one leg leaves on the other towards that side's address, once the side is latched only from the
/// address it was heard from (`MediaPeer`). The sockets live on one of the relay's loops; this object hands that loop
/// what signalling learns and reads what the loop counts.
public final class MediaSession: Sendable {
    public enum Side: Int, Sendable {
        case caller = 0, callee = 1

        /// The side across the call.
        public var other: Side { self == .caller ? .callee : .caller }
    }

    private struct State: Sendable {
        var closed = false
        /// A side the PBX itself talks to (prompts, DTMF): its packets go to the endpoint, nothing is relayed to it.
        var endpoints: [MediaEndpoint?] = [nil, nil]
    }

    private let relayLoop: MediaLoop
    private let ports: [Int]
    /// The loop of the call's signalling, where endpoints play and listen.
    private let loop: any EventLoop
    /// Counts the loop keeps for this call; also names the call in commands to the loop.
    private let counters: MediaCounters
    private let state = NIOLockedValueBox(State())
    /// Gives the legs back when the call ends (the relay keeps them bound for later calls, or closes them).
    private let onClose: @Sendable () -> Void

    init(relayLoop: MediaLoop, ports: [Int], loop: any EventLoop, counters: MediaCounters, onClose: @escaping @Sendable () -> Void) {
        self.relayLoop = relayLoop
        self.ports = ports
        self.loop = loop
        self.counters = counters
        self.onClose = onClose
    }

    /// The PBX port this side sends its RTP to (RTCP one above).
    public func port(facing side: Side) -> Int { ports[side.rawValue] }

    /// Where this side wants media (its SDP), and the signalling source it may also send from.
    public func setPeer(_ side: Side, host: String, port: Int, signalling: String?) {
        submit(.name(caller: ports[0], call: counters, side: side, declared: MediaAddress(host: host, port: port),
                     signalling: signalling.flatMap { MediaAddress(host: $0, port: 0) }))
    }

    /// Packets received from each side.
    public var packets: (caller: Int, callee: Int) { counters.packets }

    /// Time since the last packet from either side.
    public var idle: TimeAmount { .now() - counters.last }

    /// The PBX takes over `side`: plays to it and listens to it until the endpoint is released.
    public func takeOver(_ side: Side, audioPayloadType: UInt8, dtmfPayloadType: UInt8?) -> MediaEndpoint {
        let endpoint = MediaEndpoint(session: self, side: side, audioPayloadType: audioPayloadType, dtmfPayloadType: dtmfPayloadType, loop: loop)
        state.withLockedValue { state in
            guard !state.closed else { return }
            state.endpoints[side.rawValue] = endpoint
            relayLoop.submit(.endpoint(caller: ports[0], call: counters, side: side, endpoint))
        }
        return endpoint
    }

    func release(_ endpoint: MediaEndpoint) {
        state.withLockedValue { state in
            guard !state.closed, state.endpoints[endpoint.side.rawValue] === endpoint else { return }
            state.endpoints[endpoint.side.rawValue] = nil
            relayLoop.submit(.endpoint(caller: ports[0], call: counters, side: endpoint.side, nil))
        }
    }

    /// An RTP packet from the PBX to `side`, on that side's leg.
    func send(_ bytes: [UInt8], to side: Side) {
        submit(.send(caller: ports[0], call: counters, side: side, bytes))
    }

    /// Hands the relay's loop a command for this call, unless the call has ended (then its legs may serve another).
    private func submit(_ command: MediaLoop.Command) {
        state.withLockedValue { state in
            if !state.closed { relayLoop.submit(command) }
        }
    }

    /// Stops the endpoints and gives the legs back; safe to call more than once.
    public func close() {
        let endpoints = state.withLockedValue { state -> [MediaEndpoint?]? in
            guard !state.closed else { return nil }
            state.closed = true
            return state.endpoints
        }
        guard let endpoints else { return }
        for endpoint in endpoints { endpoint?.stop() }
        onClose()
    }
}
