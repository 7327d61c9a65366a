import Foundation

/// What the registrar decided for one REGISTER: the status to answer and the binding set that results.
public struct RegistrarDecision: Sendable, Equatable {
    public var statusCode: Int
    public var reason: String?
    /// The AOR's bindings after the request (what a 200 lists); unchanged on failure.
    public var bindings: [Binding]
    /// Min-Expires to state in a 423.
    public var minExpires: UInt32?

    public static func failure(_ statusCode: Int, _ reason: String, bindings: [Binding]) -> RegistrarDecision {
        RegistrarDecision(statusCode: statusCode, reason: reason, bindings: bindings, minExpires: nil)
    }
}
