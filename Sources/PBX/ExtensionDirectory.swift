import Defense
import GeoIP
import Storage
import Synchronization

/// What the hot path needs to authenticate an extension and apply its registration policy.
public struct ExtensionCredentials: Sendable, Equatable {
    public let number: String
    public let ha1MD5: String
    public let ha1SHA256: String
    /// Empty: any device.
    public let userAgentPrefixes: [String]
    /// Empty: anywhere.
    public let permittedNetworks: [IPNetwork]
    public let maxRegistrations: Int
    public let replaceOldest: Bool

    public init(_ record: ExtensionRecord) {
        number = record.number
        ha1MD5 = record.ha1MD5
        ha1SHA256 = record.ha1SHA256
        userAgentPrefixes = record.policy.userAgentPrefixes
        permittedNetworks = record.policy.permittedNetworks.compactMap { try? IPNetwork(parsing: $0) }
        maxRegistrations = record.policy.maxRegistrations
        replaceOldest = record.policy.replaceOldest
    }

    public func permits(_ address: IPAddress) -> Bool {
        permittedNetworks.isEmpty || permittedNetworks.contains { $0.contains(address) }
    }

    public func accepts(userAgent: String?) -> Bool {
        userAgentPrefixes.isEmpty || userAgentPrefixes.contains { userAgent?.hasPrefix($0) == true }
    }
}

/// The extensions, as an immutable snapshot replaced whole on every change: readers never wait for writers
/// and never see a half-applied change.
public final class ExtensionDirectory: Sendable {
    private let snapshot = Mutex<[String: ExtensionCredentials]>([:])

    public init(_ records: [ExtensionRecord] = []) {
        replaceAll(records)
    }

    public func credentials(for number: String) -> ExtensionCredentials? {
        snapshot.withLock { $0[number] }
    }

    public var count: Int { snapshot.withLock { $0.count } }

    public func replaceAll(_ records: [ExtensionRecord]) {
        let table = Dictionary(records.map { ($0.number, ExtensionCredentials($0)) }, uniquingKeysWith: { _, last in last })
        snapshot.withLock { $0 = table }
    }

    public func upsert(_ record: ExtensionRecord) {
        snapshot.withLock { $0[record.number] = ExtensionCredentials(record) }
    }

    public func remove(_ number: String) {
        _ = snapshot.withLock { $0.removeValue(forKey: number) }
    }
}
