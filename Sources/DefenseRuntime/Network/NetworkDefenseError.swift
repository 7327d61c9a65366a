import Defense

/// Why an operation on the network layer was refused; `kind` maps to the HTTP status of the admin API.
public struct NetworkDefenseError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        case invalidInput
        case notFound
        /// The change would cut off the caller; repeat with force to do it anyway.
        case wouldLockOut
        case conflict
        case storage
    }

    public let kind: Kind
    public let description: String
    public let problems: [String]

    public init(_ kind: Kind, _ description: String, problems: [String] = []) {
        self.kind = kind
        self.description = description
        self.problems = problems
    }
}
