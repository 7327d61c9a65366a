/// One side of a relayed call as the relay sees it: where to send, and whose packets to take. A side is latched to
/// the first source that sends from the address its SDP or its signalling named (symmetric RTP, so phones behind NAT
/// are reached where they really are); packets from anyone else are dropped, so a scanner spraying the port range
/// cannot take over the audio. Pure: the relay's loop owns it and acts on the answers.
struct MediaPeer: Sendable {
    enum Admission: Equatable {
        case drop
        case pass
        /// The first packet from a trusted host: the side is latched to its source from now on.
        case latch
    }

    /// From SDP: where to send until the side is latched.
    var declared: MediaAddress?
    /// Hosts a first packet may come from: the SDP's and the signalling source's.
    var trusted: (MediaAddress?, MediaAddress?) = (nil, nil)
    var latchedRTP: MediaAddress?
    var latchedRTCP: MediaAddress?

    /// What the side's SDP and signalling say (again at a re-INVITE); a latched address stays.
    mutating func name(declared: MediaAddress?, signalling: MediaAddress?) {
        self.declared = declared
        trusted = (declared, signalling)
    }

    /// Whether a packet from `source` is this side's: from the latched address, or a first packet from a trusted
    /// host (which latches it).
    mutating func admit(_ source: MediaAddress, rtcp: Bool) -> Admission {
        if let latched = rtcp ? latchedRTCP : latchedRTP { return latched == source ? .pass : .drop }
        guard trusted.0.map({ $0.sameHost(as: source) }) == true || trusted.1.map({ $0.sameHost(as: source) }) == true else { return .drop }
        if rtcp { latchedRTCP = source } else { latchedRTP = source }
        return .latch
    }

    /// Where this side's RTP or RTCP goes: where it was heard from, else what its SDP said (RTCP one port up).
    func destination(rtcp: Bool) -> MediaAddress? {
        guard rtcp else { return latchedRTP ?? declared }
        return latchedRTCP ?? declared?.port(plus: 1)
    }
}
