import Foundation
import Model

/// What earlier checks learnt, kept in the store: the highest version a valid manifest offered (a lower one later is
/// a rollback) and the versions already announced (each once).
public struct UpdateState: StoredSettings, Equatable {
    public static let storeKey = "update.state"
    static let maxAnnounced = 20

    public var highestSeen: SemanticVersion?
    public var announced: [String] = []
    public var lastCheck: Date?
    public var lastResult: String?

    public init() {}

    public static let fields: [StrictField<UpdateState>] = [
        .init("highestSeen", \.highestSeen), .init("announced", \.announced), .init("lastCheck", \.lastCheck), .init("lastResult", \.lastResult),
    ]
}
