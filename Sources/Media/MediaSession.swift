import NIOConcurrencyHelpers
import NIOCore

/// The two legs of one call's media through the relay. Each leg has an RTP and an RTCP socket on the PBX; what
/// arrives on one leg leaves on the other towards that side's address. A side is latched to the first source that
/// sends from the address its SDP or its signalling named (symmetric RTP, so phones behind NAT are reached where
/// they really are); packets from anyone else are dropped, so a scanner spraying the port range cannot take over
/// the audio.
public final class MediaSession: Sendable {
    public enum Side: Int, Sendable { case caller = 0, callee = 1 }

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
            return state.peers[side.rawValue].latchedRTP ?? state.peers[side.rawValue].declared
        }
        guard let target else { return }
        let channel = legs[side.rawValue].rtp
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    func received(_ envelope: AddressedEnvelope<ByteBuffer>, from side: Side, rtcp: Bool) {
        let other = side == .caller ? Side.callee : Side.caller
        var listener: MediaEndpoint?
        let target: SocketAddress? = state.withLockedValue { state in
            guard !state.closed else { return nil }
            var peer = state.peers[side.rawValue]
            let latched = rtcp ? peer.latchedRTCP : peer.latchedRTP
            if let latched {
                guard latched == envelope.remoteAddress else { return nil }
            } else {
                guard let ip = envelope.remoteAddress.ipAddress, peer.trusted.contains(ip) else { return nil }
                if rtcp { peer.latchedRTCP = envelope.remoteAddress } else { peer.latchedRTP = envelope.remoteAddress }
            }
            peer.packets += 1
            state.peers[side.rawValue] = peer
            state.lastPacket = .now()
            if let endpoint = state.endpoints[side.rawValue] {
                if !rtcp { listener = endpoint }
                return nil
            }
            guard state.endpoints[other.rawValue] == nil else { return nil }
            let destination = state.peers[other.rawValue]
            if rtcp {
                return destination.latchedRTCP ?? destination.declared.flatMap { try? SocketAddress(ipAddress: $0.ipAddress ?? "", port: ($0.port ?? 0) + 1) }
            }
            return destination.latchedRTP ?? destination.declared
        }
        if let listener { listener.received(Array(envelope.data.readableBytesView)) }
        guard let target else { return }
        let leg = legs[other.rawValue]
        (rtcp ? leg.rtcp : leg.rtp).write(AddressedEnvelope(remoteAddress: target, data: envelope.data), promise: nil)
    }

    /// Sends what `received` queued towards the other side: once per read burst, so a burst leaves in one
    /// `sendmmsg`.
    func flush(from side: Side, rtcp: Bool) {
        let leg = legs[side == .caller ? Side.callee.rawValue : Side.caller.rawValue]
        (rtcp ? leg.rtcp : leg.rtp).flush()
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
