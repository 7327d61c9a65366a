import Foundation

/// One call attempt, answered or not: who called whom, what was dialed and sent, by which route and trunk, when it
/// rang, was answered and ended, how it ended, and the policy decision that let it through or stopped it.
public struct CallDetailRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    /// The caller's Call-ID, to find the call in traces.
    public var callID: String
    public var caller: String
    public var callee: String
    /// The number as the caller dialed it.
    public var dialed: String
    /// The number sent to the far end (after strip/prepend), when different or through a trunk.
    public var sent: String?
    public var route: String?
    public var trunk: String?
    public var start: Date
    public var answer: Date?
    public var end: Date
    public var disposition: CallDisposition
    /// caller, callee or pbx.
    public var hangupSide: String?
    public var cause: String?
    /// allow or refuse: the outbound policy's decision and the rule with its reason.
    public var decision: String?
    public var decisionReason: String?
    /// The route PIN list entry used (its label, else the PIN), when the route records it.
    public var pin: String?
    /// RTP and RTCP packets the relay received from each side: zero one way is one-way audio.
    public var packetsFromCaller: Int?
    public var packetsFromCallee: Int?
    /// The cluster node that handled the call; nil on a single node.
    public var node: String?

    public init(id: Int64? = nil, callID: String, caller: String, callee: String, dialed: String, sent: String? = nil, route: String? = nil,
                trunk: String? = nil, start: Date, answer: Date? = nil, end: Date, disposition: CallDisposition, hangupSide: String? = nil,
                cause: String? = nil, decision: String? = nil, decisionReason: String? = nil, pin: String? = nil, packetsFromCaller: Int? = nil,
                packetsFromCallee: Int? = nil, node: String? = nil) {
        self.node = node
        self.packetsFromCaller = packetsFromCaller
        self.packetsFromCallee = packetsFromCallee
        self.id = id
        self.callID = callID
        self.caller = caller
        self.callee = callee
        self.dialed = dialed
        self.sent = sent
        self.route = route
        self.trunk = trunk
        self.start = start
        self.answer = answer
        self.end = end
        self.disposition = disposition
        self.hangupSide = hangupSide
        self.cause = cause
        self.decision = decision
        self.decisionReason = decisionReason
        self.pin = pin
    }

    /// Seconds from the answer to the end; zero for a call never answered.
    public var duration: Int { answer.map { max(0, Int(end.timeIntervalSince($0).rounded())) } ?? 0 }
}

/// Filters for call records; every field optional, results newest first.
public struct CallDetailQuery: Sendable, Equatable {
    public var since: Date?
    public var until: Date?
    /// Calls where this extension or number is the caller or the callee.
    public var party: String?
    public var disposition: CallDisposition?
    public var limit: Int

    public init(since: Date? = nil, until: Date? = nil, party: String? = nil, disposition: CallDisposition? = nil, limit: Int = 100) {
        self.since = since
        self.until = until
        self.party = party
        self.disposition = disposition
        self.limit = max(1, min(limit, 100_000))
    }
}
