import DefenseRuntime
import Model

/// What one node tells the others through the shared store, so that what it did holds on every node.
public enum ClusterMessage: Codable, Sendable, Equatable {
    /// Blocks this node stored (with their ids) or removed: every node enforces the same list.
    case blocks(added: [NetworkBlockRecord], removed: [Int64])
    /// Counted registrations: every node counts them towards its lockout.
    case registrations([RegistrationResult])
    /// Counted portal, API or SSH logins: every node counts them towards its login lockout.
    case logins([LoginResult])
    /// A section of the shared configuration changed: every node reads it again.
    case configurationChanged(section: String)
    /// Extensions that registered new devices on the sending node (true) or lost their last one there (false):
    /// every node knows where to relay calls to them, and lets go of its own bindings of the devices that moved.
    case locations([LocationChange])
}

/// One extension's presence on the node that announces it.
public struct LocationChange: Codable, Sendable, Equatable {
    public var aor: String
    public var present: Bool
    /// The contacts newly registered on the announcing node: nil when it lost its last device, and from a node that
    /// predates the field.
    public var contacts: [String]?
    public init(aor: String, present: Bool, contacts: [String]? = nil) {
        self.aor = aor
        self.present = present
        self.contacts = contacts
    }
}
