import Foundation

/// A value read and written through its list of fields: every settings section (`sip.calls`, `network`, a route...)
/// and every API request body. It is read the same way wherever it comes from (the API's JSON, the YAML file, the
/// store): a field left out takes the default declared once on its property, a field the type does not know is an
/// error naming it, so a misspelt name is never silently a no-op.
public protocol StrictCodable: Codable, Sendable, Equatable {
    /// Every field at its default.
    init()
    /// The fields, in the order they are written.
    static var fields: [StrictField<Self>] { get }
    /// Called once decoded, with the names the input gave: for a default that follows another field.
    mutating func complete(given names: Set<String>)
}

extension StrictCodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        let fields = Self.fields
        for unknown in container.allKeys where !fields.contains(where: { $0.name == unknown.stringValue }) {
            let error = DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [unknown], debugDescription: "unknown field"))
            try SettingsProblems.handle(error, in: decoder)
        }
        var value = Self()
        for field in fields {
            do {
                try field.decode(&value, container)
            } catch {
                try SettingsProblems.handle(error, in: decoder)
            }
        }
        value.complete(given: Set(container.allKeys.map(\.stringValue)))
        self = value
    }

    public mutating func complete(given names: Set<String>) {}

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for field in Self.fields { try field.encode(self, &container) }
    }

    /// The fields' names and whether each is required, for API descriptions.
    public static var fieldNames: [(name: String, required: Bool)] { fields.map { ($0.name, $0.isRequired) } }

    /// A copy with `change` applied: `CallSettings().with { $0.ringTimeout = 30 }` (the defaults stay declared once).
    public func with(_ change: (inout Self) throws -> Void) rethrows -> Self {
        var copy = self
        try change(&copy)
        return copy
    }
}

/// A section kept in the store as one JSON value under `storeKey`.
public protocol StoredSettings: StrictCodable {
    static var storeKey: String { get }
}

extension StrictCodable {
    /// The names of the fields a request gives (optional ones left out are not), for an audit event: names only,
    /// never values, so a password changed shows as `password`.
    public var givenFields: [String] {
        guard let data = try? JSONEncoder().encode(self),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return object.keys.sorted()
    }
}
