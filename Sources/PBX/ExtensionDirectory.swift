import Defense
import Model
import Storage
import Synchronization

/// What the hot path needs to authenticate an extension and apply its registration policy.
public struct ExtensionCredentials: Sendable, Equatable {
    public let number: String
    /// The digest user name; lockout counters and locks are kept under it.
    public let registrationName: String
    public let ha1MD5: String
    public let ha1SHA256: String
    /// Where it may register from, with which device, as which extension.
    public let admission: RegistrationAdmission
    public let maxRegistrations: Int
    public let replaceOldest: Bool
    /// Outbound restrictions, read by the call policy.
    public let calls: ExtensionCallRules

    public init(_ record: ExtensionRecord) {
        number = record.number
        registrationName = record.registrationName
        ha1MD5 = record.ha1MD5
        ha1SHA256 = record.ha1SHA256
        admission = RegistrationAdmission(number: record.number, policy: record.policy)
        maxRegistrations = record.policy.maxRegistrations
        replaceOldest = record.policy.replaceOldest
        calls = record.policy.calls
    }
}

/// The extensions, as an immutable snapshot replaced whole on every change: readers never wait for writers
/// and never see a half-applied change. Indexed by number (the address of record) and by registration name (the
/// digest user name).
public final class ExtensionDirectory: Sendable {
    private struct Tables {
        var byNumber: [String: ExtensionCredentials] = [:]
        var byRegistrationName: [String: ExtensionCredentials] = [:]

        mutating func insert(_ credentials: ExtensionCredentials) {
            remove(credentials.number)
            byNumber[credentials.number] = credentials
            byRegistrationName[credentials.registrationName] = credentials
        }

        mutating func remove(_ number: String) {
            guard let old = byNumber.removeValue(forKey: number) else { return }
            byRegistrationName.removeValue(forKey: old.registrationName)
        }
    }

    private let snapshot = Mutex(Tables())

    public init(_ records: [ExtensionRecord] = []) {
        replaceAll(records)
    }

    public func credentials(number: String) -> ExtensionCredentials? {
        snapshot.withLock { $0.byNumber[number] }
    }

    public func credentials(registrationName: String) -> ExtensionCredentials? {
        snapshot.withLock { $0.byRegistrationName[registrationName] }
    }

    public var count: Int { snapshot.withLock { $0.byNumber.count } }

    /// Every extension's number.
    public var numbers: [String] { snapshot.withLock { Array($0.byNumber.keys) } }

    public func replaceAll(_ records: [ExtensionRecord]) {
        var tables = Tables()
        for record in records { tables.insert(ExtensionCredentials(record)) }
        snapshot.withLock { $0 = tables }
    }

    public func upsert(_ record: ExtensionRecord) {
        snapshot.withLock { $0.insert(ExtensionCredentials(record)) }
    }

    public func remove(_ number: String) {
        snapshot.withLock { $0.remove(number) }
    }
}
