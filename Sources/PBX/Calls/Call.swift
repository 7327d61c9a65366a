import Foundation
import Media
import Model
import NIOCore
import SIPCore
import SIPStack

/// One call through the B2BUA: the caller's leg (we are its UAS) and one callee leg per contact rung (we are
/// their UAC). The first callee to answer wins; the others are cancelled.
struct Call: Sendable {
    enum Phase: Sendable, Equatable {
        case ringing
        case answered
        /// Final state reached; kept a few seconds to answer retransmissions.
        case ended
    }

    /// One contact of the callee being rung.
    struct Fork: Sendable {
        var dialog: CallDialog
        var invite: OutgoingRequest
        var transaction: ClientInviteTransaction
        var provisional = false
        var finalStatus: Int?
        var cancelled = false
        /// The ACK sent for its 2xx, resent when the 2xx is retransmitted.
        var ack: [UInt8]?
        /// The trunk it goes through; its credentials answer one challenge.
        var trunk: TrunkSettings?
        var answeredChallenge = false
    }

    let id: UInt64
    let caller: String
    let callee: String
    var invite: SIPRequest
    let inviteKey: ServerTransactionKey
    var callerDialog: CallDialog
    /// The caller is a trunk: its in-dialog requests may come from another port of its address.
    var fromTrunk = false
    /// The cluster node that relayed the call here; that node keeps its record.
    var relayedFrom: String?
    /// Whether the cluster's outbound ledger was asked for this call, and its booking once granted.
    var ledgerAsked = false
    var ledgerKey: String?
    var forks: [Fork] = []
    var winner: Int?
    var phase: Phase = .ringing
    /// Last provisional and the final response sent to the caller, for INVITE retransmissions.
    var lastProvisional: [UInt8]?
    var finalResponse: (status: Int, bytes: [UInt8])?
    var callerAcknowledged = false
    var record: CallRecord
    var maxForwards = 69
    /// Trunks of the route not tried yet, in failover order.
    var pendingTrunks: [RoutingTable.Trunk] = []
    /// The relay session, once its sockets are bound; nil when media flows directly.
    var media: MediaSession?
    /// Long timers (ring timeout, maximum duration), cancelled when the call ends.
    var longTimers: [Scheduled<Void>] = []
    /// The trunk the call holds a place on (counted against its limit), released when the call ends.
    var trunkInUse: (name: String, outbound: Bool)?
    /// Seconds the answered call may last; nil: `sip.calls.maxDuration`.
    var maxDuration: Int?
    /// Emergency calls ignore trunk limits.
    var emergency = false
    /// Set while the PBX itself answered the caller to collect the route's PIN.
    var pin: PINCollection?

    var answered: Fork? { winner.map { forks[$0] } }

    /// The caller got the PBX's own 200 OK (for the PIN prompt): the callee's answer only connects the media.
    var answeredEarly: Bool { pin != nil }

    /// Still waiting for a destination to answer (the caller may already have the PBX's own answer).
    var awaitingAnswer: Bool { phase == .ringing && (finalResponse == nil || answeredEarly) }
}

/// The PIN prompt of a route with a password: the caller is answered by the PBX, keys the PIN, and the call goes
/// on to the trunk once it is right.
struct PINCollection: Sendable {
    var route: String
    var tries = 0
    var endpoint: MediaEndpoint?
    var audioPayloadType: UInt8
    var dtmfPayloadType: UInt8?
    var accepted = false
}

/// What the call detail record needs, filled as the call goes.
struct CallRecord: Sendable {
    var start: Date
    var answer: Date?
    var end: Date?
    var disposition = CallDisposition.noAnswer
    var hangupSide: String?
    var cause: String?
    var dialed = ""
    var route: String?
    var trunk: String?
    var sent: String?
    var decision: String?
    var decisionReason: String?
    var pin: String?

    /// The PBX stopped the call after it started (no media ports or trunk, a wrong PIN, a rule met once the PIN was
    /// right), as the refusal table says.
    mutating func stop(_ reason: CallRefusalReason, _ detail: String) {
        disposition = reason.disposition
        hangupSide = "pbx"
        cause = "\(reason.status): \(detail)"
        if reason.isPolicyDecision {
            decision = "refuse"
            decisionReason = detail
        }
    }
}
