import DefenseRuntime
import Model

/// What one node tells the others through the shared store, so that what it did holds on every node.
public enum ClusterMessage: Codable, Sendable, Equatable {
    /// Blocks this node stored (with their ids) or removed: every node enforces the same list.
    case blocks(added: [NetworkBlockRecord], removed: [Int64])
    /// A counted registration: every node counts it towards its lockout.
    case registration(RegistrationResult)
    /// A counted portal, API or SSH login: every node counts it towards its login lockout.
    case login(LoginResult)
    /// A section of the shared configuration changed: every node reads it again.
    case configurationChanged(section: String)
}
