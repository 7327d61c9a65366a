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
}
