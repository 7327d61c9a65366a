/// What a role may do, by the seed's permission categories: view or manage each. Every admin operation names the
/// permission it needs; a role holds the categories it may see or change.
public enum PermissionCategory: String, StrictChoice {
    case extensionsAndTrunks = "Extensions and Trunks"
    case callControl = "Call Control"
    case callFeatures = "Call Features"
    case reportsAndRecordings = "Reports and Recordings"
    case pbxSettings = "PBX Settings"
    case system = "System"
    case security = "Security"
    case maintenance = "Maintenance"
    case integration = "Integration"
}

/// Manage includes view.
public enum Access: String, StrictChoice, Comparable {
    case view
    case manage

    public static func < (lhs: Access, rhs: Access) -> Bool { lhs == .view && rhs == .manage }
}

/// A category and how much of it.
public struct Permission: Sendable, Hashable, CustomStringConvertible {
    public let category: PermissionCategory
    public let access: Access

    public init(_ category: PermissionCategory, _ access: Access) {
        self.category = category
        self.access = access
    }

    public var description: String { "\(category.rawValue): \(access.rawValue)" }
}
