import Foundation
import Model

/// The one reader and writer of JSON settings. A setting that is absent takes its defaults; one that is present but
/// cannot be read is an error naming it, never its defaults: a default in its place could lift a restriction the
/// operator set (fail closed).
extension PortcullisStore {
    public func settings<Section: StoredSettings>(_ type: Section.Type) async throws -> Section {
        try await stored(type, key: Section.storeKey) ?? Section()
    }

    public func save<Section: StoredSettings>(_ settings: Section) async throws {
        try await store(settings, key: Section.storeKey)
    }

    /// The JSON value under `key`, nil when absent.
    public func stored<Value: Decodable>(_ type: Value.Type, key: String) async throws -> Value? {
        try await setting(key).map { try SettingsJSON.decode(type, from: $0, key: key) }
    }

    public func store<Value: Encodable>(_ value: Value, key: String) async throws {
        try await setSetting(key, value: try SettingsJSON.encode(value))
    }

    /// Changes the JSON value under `key` in place (`modifySetting`); nil is absent. A stored value that cannot be read
    /// is an error and stays as it is, unless the caller has a value to stand in for it (`unreadable`).
    public func modify<Value: Codable & Sendable>(_ type: Value.Type, key: String, unreadable: Value? = nil,
                                                  _ change: @escaping @Sendable (inout Value?) -> Void) async throws {
        try await modifySetting(key) { text in
            var value = try text.map { text in
                do {
                    return try SettingsJSON.decode(type, from: text, key: key)
                } catch let error as StoreError {
                    guard let unreadable else { throw error }
                    return unreadable
                }
            }
            change(&value)
            return try value.map { try SettingsJSON.encode($0) }
        }
    }
}

/// How settings are written in the store.
public enum SettingsJSON {
    public static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// The value stored under `key`; text that does not decode is `StoreError.unreadable`, naming the key.
    static func decode<Value: Decodable>(_ type: Value.Type, from text: String, key: String) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError.unreadable("the stored setting '\(key)'")
        }
    }
}
