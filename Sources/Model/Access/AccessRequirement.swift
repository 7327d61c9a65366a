import Foundation

/// What an operation asks of its caller: nothing (health, setup, login), a signed-in caller of any role (their own
/// account), a permission of the caller's role, or the Super Administrator (managing roles).
public enum AccessRequirement: Sendable, Equatable, CustomStringConvertible {
    case anyone
    case signedIn
    case permission(Permission)
    case superAdministrator

    public static func permission(_ category: PermissionCategory, _ access: Access) -> AccessRequirement {
        .permission(Permission(category, access))
    }

    /// As the OpenAPI document writes it (`x-permission`); nil for `anyone`.
    public var description: String {
        switch self {
        case .anyone: "anyone"
        case .signedIn: "signed in"
        case .permission(let permission): permission.description
        case .superAdministrator: Role.superAdministrator.name
        }
    }

    /// Reads what `description` wrote.
    public init?(_ text: String) {
        switch text {
        case "anyone": self = .anyone
        case "signed in": self = .signedIn
        case Role.superAdministrator.name: self = .superAdministrator
        default:
            let parts = text.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let category = PermissionCategory(rawValue: parts[0]), let access = Access(rawValue: parts[1]) else { return nil }
            self = .permission(category, access)
        }
    }
}

extension Role {
    /// Whether a caller of this role meets `requirement`.
    public func meets(_ requirement: AccessRequirement) -> Bool {
        switch requirement {
        case .anyone, .signedIn: true
        case .permission(let permission): allows(permission)
        case .superAdministrator: isEverything
        }
    }
}
