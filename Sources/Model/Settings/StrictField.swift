/// One field of a `StrictCodable` type: its name in JSON and YAML and where it lives in the value. A section lists its
/// fields once; decoding, encoding, the refusal of unknown names and the defaults of absent ones follow from it.
public struct StrictField<Root>: Sendable {
    public let name: String
    /// A value must name it (a rule's name); the others keep their defaults when left out.
    public let isRequired: Bool
    let decode: @Sendable (inout Root, KeyedDecodingContainer<AnyCodingKey>) throws -> Void
    let encode: @Sendable (Root, inout KeyedEncodingContainer<AnyCodingKey>) throws -> Void

    /// A field that may be left out: it then keeps the default the section's `init()` gave it.
    public init<Value: Codable & Sendable>(_ name: String, _ path: any WritableKeyPath<Root, Value> & Sendable) {
        self.name = name
        isRequired = false
        let key = AnyCodingKey(stringValue: name)
        decode = { root, container in
            if let value = try container.decodeIfPresent(Value.self, forKey: key) { root[keyPath: path] = value }
        }
        encode = { root, container in try container.encode(root[keyPath: path], forKey: key) }
    }

    /// An optional field: written only when set.
    public init<Value: Codable & Sendable>(_ name: String, _ path: any WritableKeyPath<Root, Value?> & Sendable) {
        self.name = name
        isRequired = false
        let key = AnyCodingKey(stringValue: name)
        decode = { root, container in
            if let value = try container.decodeIfPresent(Value.self, forKey: key) { root[keyPath: path] = value }
        }
        encode = { root, container in try container.encodeIfPresent(root[keyPath: path], forKey: key) }
    }

    private init(name: String, isRequired: Bool, decode: @escaping @Sendable (inout Root, KeyedDecodingContainer<AnyCodingKey>) throws -> Void,
                 encode: @escaping @Sendable (Root, inout KeyedEncodingContainer<AnyCodingKey>) throws -> Void) {
        self.name = name
        self.isRequired = isRequired
        self.decode = decode
        self.encode = encode
    }

    /// A field every value must name, such as a rule's name: without it the value means nothing.
    public static func required<Value: Codable & Sendable>(_ name: String, _ path: any WritableKeyPath<Root, Value> & Sendable) -> StrictField {
        let key = AnyCodingKey(stringValue: name)
        return StrictField(name: name, isRequired: true, decode: { root, container in root[keyPath: path] = try container.decode(Value.self, forKey: key) },
                             encode: { root, container in try container.encode(root[keyPath: path], forKey: key) })
    }
}
