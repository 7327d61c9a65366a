import SIPCore
import SIPStack

/// One side of a call where the PBX is the user agent (RFC 3261 section 12): the dialog's identifiers, our next
/// CSeq, and the flow its requests leave on.
struct CallDialog: Sendable {
    var callID: String
    var localTag: String
    var remoteTag: String?
    /// From/To values without tags, as seen from our side.
    var localAddress: String
    var remoteAddress: String
    /// Request-URI of requests in the dialog: the peer's Contact.
    var remoteTarget: String
    var localSequence: UInt32
    var flow: SIPReplier
    /// Our Contact on this flow.
    var contact: String

    /// Whether a request from the peer belongs to this dialog: its tags as the peer writes them (From: the peer's,
    /// To: ours; RFC 3261 section 12.2.2, with the Call-ID already matched) and sent over the flow the peer uses. A
    /// trunk's servers may answer from another port of its address, so for a trunk only the address counts.
    func admits(fromTag: String?, toTag: String?, peer: SIPPeer, trunk: Bool = false) -> Bool {
        guard let remoteTag, fromTag == remoteTag, toTag == localTag else { return false }
        return trunk ? flow.peer.transport == peer.transport && flow.peer.ip == peer.ip : flow.peer.isSameFlow(as: peer)
    }

    /// A request in this dialog with a fresh branch; `sequence` overrides the CSeq (an ACK takes its INVITE's).
    mutating func request(_ method: SIPMethod, body: [UInt8] = [], contentType: String? = nil, sequence: UInt32? = nil,
                          maxForwards: Int = 70, extra: [(SIPHeaderName, String)] = []) -> OutgoingRequest {
        let number: UInt32
        if let sequence {
            number = sequence
        } else {
            localSequence += 1
            number = localSequence
        }
        let branch = CallMessages.newBranch()
        var headers = SIPHeaders()
        headers.append(.via, CallMessages.via(flow, branch: branch))
        headers.append(.maxForwards, String(maxForwards))
        headers.append(.from, localAddress + ";tag=" + localTag)
        headers.append(.to, remoteAddress + (remoteTag.map { ";tag=" + $0 } ?? ""))
        headers.append(.callID, callID)
        headers.append(.cseq, "\(number) \(method.rawValue)")
        if method != .ack && method != .cancel { headers.append(.contact, contact) }
        for (name, value) in extra { headers.append(name, value) }
        if let contentType, !body.isEmpty { headers.append(.contentType, contentType) }
        let uri = (try? URI(parsing: remoteTarget)) ?? .sip(SIPURI(host: flow.peer.ip, port: flow.peer.port))
        let request = SIPRequest(method: method, uri: uri, headers: headers, body: body)
        return OutgoingRequest(request: request, bytes: request.serialized(), branch: branch, flow: flow)
    }
}

/// A request the PBX sends, kept for retransmission and for matching its responses.
struct OutgoingRequest: Sendable {
    var request: SIPRequest
    var bytes: [UInt8]
    var branch: String
    var flow: SIPReplier
}

extension OutgoingRequest {
    /// The ACK of a non-2xx final response to this INVITE (RFC 3261 section 17.1.1.3): its Via, From, Call-ID, the
    /// response's To.
    func nonSuccessAck(_ response: SIPResponse, remoteAddress: String) -> [UInt8] {
        var headers = SIPHeaders()
        for field in request.headers where [.via, .from, .callID, .maxForwards].contains(field.name) {
            headers.append(field)
        }
        headers.append(.to, response.headers[.to] ?? remoteAddress)
        headers.append(.cseq, "\(request.cseqNumber) ACK")
        return SIPRequest(method: .ack, uri: request.uri, headers: headers).serialized()
    }
}
