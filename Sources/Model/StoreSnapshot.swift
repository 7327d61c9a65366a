/// What a backup holds besides the configuration (which it always holds): the parts a person chooses.
public enum BackupPart: String, CaseIterable, Codable, Sendable, Comparable {
    case cdr
    case events

    public static func < (lhs: BackupPart, rhs: BackupPart) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The schema a store snapshot was written with: the migrations applied to it, in order. A snapshot naming a
/// migration this version does not know comes from a newer version.
public struct StoreSchema: Codable, Sendable, Equatable {
    public var migrations: [String]

    public init(migrations: [String]) {
        self.migrations = migrations
    }
}
