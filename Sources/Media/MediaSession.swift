import NIOConcurrencyHelpers
import NIOCore

/// The two legs of one call's media through the relay. Each leg has an RTP and an RTCP socket on the PBX; what
/// arrives on one leg leaves on the other towards that side's address. A side is latched to the first source that
/// sends from the address its SDP or its signalling named (symmetric RTP, so phones behind NAT are reached where
/// they really are); packets from anyone else are dropped, so a scanner spraying the port range cannot take over
/// the audio.
public final class MediaSession: Sendable {
    public enum Side: Int, Sendable {
        case caller = 0, callee = 1

        /// The side across the call.
        public var other: Side { self == .caller ? .callee : .caller }
    }

    struct Leg: Sendable {
        var side: Side
        var rtp: any Channel
        var rtcp: any Channel
        var port: Int
        /// The handlers that hold this session; let go of it at close, or the session and its sockets would keep
        /// each other alive.
        var forwarders: [MediaForwarder] = []
    }

    private struct Peer: Sendable {
        /// From SDP: where to send until the side is latched.
        var declared: SocketAddress?
        /// Addresses a first packet may come from: the SDP's and the signalling source's.
        var trusted: Set<String> = []
        var latchedRTP: SocketAddress?
        var latchedRTCP: SocketAddress?
        var packets = 0

        /// Whether a packet from `source` is this side's: the latched address, or a first packet from a trusted one
        /// (which latches it).
        mutating func admit(_ source: SocketAddress, rtcp: Bool) -> Bool {
            if let latched = rtcp ? latchedRTCP : latchedRTP { return latched == source }
            guard let ip = source.ipAddress, trusted.contains(ip) else { return false }
            if rtcp { latchedRTCP = source } else { latchedRTP = source }
            return true
        }

        /// Where this side's RTP or RTCP goes: where it was heard from, else what its SDP said (RTCP one port up).
        func destination(rtcp: Bool) -> SocketAddress? {
            guard rtcp else { return latchedRTP ?? declared }
            return latchedRTCP ?? declared.flatMap { try? SocketAddress(ipAddress: $0.ipAddress ?? "", port: ($0.port ?? 0) + 1) }
        }
    }

    private struct State: Sendable {
        var peers = [Peer(), Peer()]
        var lastPacket: NIODeadline
        var closed = false
        /// A side the PBX itself talks to (prompts, DTMF): its packets go to the endpoint, nothing is relayed to it.
        var endpoints: [MediaEndpoint?] = [nil, nil]
    }

    private let legs: [Leg]
    private let state: NIOLockedValueBox<State>
    /// Takes the legs back when the call ends (the relay keeps them bound for later calls, or closes them).
    private let onClose: @Sendable ([Leg]) -> Void

    init(caller: Leg, callee: Leg, onClose: @escaping @Sendable ([Leg]) -> Void) {
        legs = [caller, callee]
        state = NIOLockedValueBox(State(lastPacket: .now()))
        self.onClose = onClose
    }

    /// The PBX port this side sends its RTP to (RTCP one above).
    public func port(facing side: Side) -> Int { legs[side.rawValue].port }

    /// Where this side wants media (its SDP), and the signalling source it may also send from.
    public func setPeer(_ side: Side, host: String, port: Int, signalling: String?) {
        let address = try? SocketAddress(ipAddress: host, port: port)
        state.withLockedValue { state in
            state.peers[side.rawValue].declared = address
            state.peers[side.rawValue].trusted = Set([host, signalling].compactMap { $0 })
        }
    }

    /// Packets received from each side.
    public var packets: (caller: Int, callee: Int) {
        state.withLockedValue { ($0.peers[0].packets, $0.peers[1].packets) }
    }

    /// Time since the last packet from either side.
    public var idle: TimeAmount { .now() - state.withLockedValue { $0.lastPacket } }

    /// The PBX takes over `side`: plays to it and listens to it until the endpoint is released.
    public func takeOver(_ side: Side, audioPayloadType: UInt8, dtmfPayloadType: UInt8?) -> MediaEndpoint {
        let endpoint = MediaEndpoint(session: self, side: side, audioPayloadType: audioPayloadType, dtmfPayloadType: dtmfPayloadType,
                                     loop: legs[side.rawValue].rtp.eventLoop)
        state.withLockedValue { $0.endpoints[side.rawValue] = endpoint }
        return endpoint
    }

    func release(_ endpoint: MediaEndpoint) {
        state.withLockedValue { state in
            if state.endpoints[endpoint.side.rawValue] === endpoint { state.endpoints[endpoint.side.rawValue] = nil }
        }
    }

    /// An RTP packet from the PBX to `side`, on that side's leg.
    func send(_ bytes: [UInt8], to side: Side) {
        let target: SocketAddress? = state.withLockedValue { state in
            guard !state.closed else { return nil }
            return state.peers[side.rawValue].destination(rtcp: false)
        }
        guard let target else { return }
        let channel = legs[side.rawValue].rtp
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    func received(_ envelope: AddressedEnvelope<ByteBuffer>, from side: Side, rtcp: Bool) {
        let other = side.other
        var listener: MediaEndpoint?
        // In place, once per packet: copying a peer out and back would retain and release each of its addresses.
        let target: SocketAddress? = state.withLockedValue { state in
            guard !state.closed, state.peers[side.rawValue].admit(envelope.remoteAddress, rtcp: rtcp) else { return nil }
            state.peers[side.rawValue].packets += 1
            state.lastPacket = .now()
            if let endpoint = state.endpoints[side.rawValue] {
                if !rtcp { listener = endpoint }
                return nil
            }
            guard state.endpoints[other.rawValue] == nil else { return nil }
            return state.peers[other.rawValue].destination(rtcp: rtcp)
        }
        if let listener { listener.received(Array(envelope.data.readableBytesView)) }
        guard let target else { return }
        let channel = rtcp ? legs[other.rawValue].rtcp : legs[other.rawValue].rtp
        channel.write(AddressedEnvelope(remoteAddress: target, data: envelope.data), promise: nil)
    }

    /// Sends what `received` queued towards the other side: once per read burst, so a burst leaves in one
    /// `sendmmsg`.
    func flush(from side: Side, rtcp: Bool) {
        let other = side.other.rawValue
        (rtcp ? legs[other].rtcp : legs[other].rtp).flush()
    }

    /// Closes the four sockets and gives the ports back; safe to call more than once.
    public func close() {
        let first = state.withLockedValue { state -> Bool in
            defer { state.closed = true }
            return !state.closed
        }
        guard first else { return }
        for endpoint in state.withLockedValue({ $0.endpoints }) { endpoint?.stop() }
        for leg in legs {
            for forwarder in leg.forwarders { forwarder.detach() }
        }
        onClose(legs)
    }
}

/// Hands each datagram of one relay socket to its session.
final class MediaForwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let session: NIOLockedValueBox<MediaSession?>
    private let side: MediaSession.Side
    private let rtcp: Bool

    init(side: MediaSession.Side, rtcp: Bool) {
        session = NIOLockedValueBox(nil)
        self.side = side
        self.rtcp = rtcp
    }

    func attach(_ session: MediaSession) { self.session.withLockedValue { $0 = session } }

    func detach() { session.withLockedValue { $0 = nil } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session.withLockedValue { $0 }?.received(unwrapInboundIn(data), from: side, rtcp: rtcp)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        session.withLockedValue { $0 }?.flush(from: side, rtcp: rtcp)
    }
}
