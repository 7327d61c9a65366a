import Foundation
import Model

/// The first entry of every backup: what it holds and what made it, checked before anything is restored.
public struct BackupManifest: Codable, Sendable, Equatable {
    /// The archive layout; a reader refuses a higher one.
    public static let currentFormat = 1

    public var format = BackupManifest.currentFormat
    public var portcullisVersion = PortcullisVersion.current
    public var created: Date
    /// Configuration is always in; these are the optional parts.
    public var parts: [BackupPart]
    public var schema: StoreSchema
    /// SHA-256 (hex) of every other entry, by name.
    public var checksums: [String: String]

    public init(created: Date, parts: [BackupPart], schema: StoreSchema, checksums: [String: String]) {
        self.created = created
        self.parts = parts
        self.schema = schema
        self.checksums = checksums
    }
}
