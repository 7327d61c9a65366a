import Defense
import Foundation
import Model
import SIPStack

/// Everything the call state machine reads besides its own state: the time on both clocks, the settings and routing
/// in force (the router sets them before each event), and the lookups into the PBX's other tables (given once). A
/// test builds one with a clock of its own and fixed answers.
struct CallEnvironment: Sendable {
    /// Wall-clock time, for records and the policy's time conditions.
    var now: Date
    /// Monotonic time since the router started, for transaction timers.
    var elapsed: Duration
    var settings: CallSettings
    var routing: RoutingTable
    var timers: TransactionTimers
    /// Whether media goes through the relay (and a route PIN can be collected).
    var relay: Bool
    /// Seconds of silence after which an answered call is hung up.
    var rtpTimeout: Int
    /// The extension's outbound restrictions (none for an unknown number).
    var rules: @Sendable (String) -> ExtensionCallRules
    var isExtension: @Sendable (String) -> Bool
    /// Every registered contact of an extension that a flow still reaches, called by `caller`, our host in Contact and
    /// To being the advertised one on wildcard listeners; and, unless `localOnly` (a call another node relayed here),
    /// each other cluster node holding devices of it.
    var destinations: @Sendable (_ number: String, _ caller: String, _ advertised: String?, _ localOnly: Bool) -> [CallDestination]
    /// The `X-Portcullis-Relay` value for a call relayed to another node (Call-ID, caller, callee); nil on a single node.
    var relayProof: @Sendable (_ callID: String, _ caller: String, _ callee: String, _ now: Date) -> String?
    /// The way to a peer (its UDP socket or open connection), nil when none.
    var flow: @Sendable (SIPPeer) -> SIPReplier?
    /// This node's name when outbound calls are counted for the whole cluster (a shared store's ledger); nil on a
    /// single node, whose own counts are the whole truth.
    var ledgerNode: String?
    /// Whether answered calls are journaled in the shared store (a node that dies leaves their records to the others).
    var journaling = false
    /// Keyed PINs are compared as these fingerprints.
    var fingerprint: @Sendable (String) -> String
}
