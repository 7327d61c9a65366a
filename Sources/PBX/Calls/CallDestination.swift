import SIPStack

/// Where one leg of a call is sent: a registered contact of an extension, another cluster node that holds some, or a
/// trunk.
struct CallDestination: Sendable {
    /// Request-URI of the INVITE.
    var uri: String
    /// To header value.
    var to: String
    /// User part of our From.
    var fromUser: String
    var flow: SIPReplier
    /// The trunk, whose credentials answer the provider's challenge.
    var trunk: TrunkSettings?
    /// The cluster node the call is relayed to, which rings its own devices of the extension.
    var node: String? = nil
}
