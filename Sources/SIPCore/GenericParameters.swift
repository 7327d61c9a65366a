/// Ordered `;name=value` parameters of a header or URI; names compare case-insensitively.
public struct GenericParameters: Sendable, Hashable, Sequence {
    public struct Parameter: Sendable, Hashable {
        public var name: String
        public var value: String?
        /// Written back as a quoted-string.
        public var quoted: Bool
    }

    public private(set) var items: [Parameter] = []

    public init() {}

    public var isEmpty: Bool { items.isEmpty }
    public func makeIterator() -> IndexingIterator<[Parameter]> { items.makeIterator() }

    /// The value of a parameter; `.some(nil)` for a flag parameter without value, `nil` when absent.
    public subscript(_ name: String) -> String?? {
        get {
            guard let item = items.first(where: { $0.name.caseInsensitiveEquals(name) }) else { return nil }
            return .some(item.value)
        }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public mutating func append(_ name: String, value: String?, quoted: Bool = false) {
        items.append(Parameter(name: name, value: value, quoted: quoted))
    }

    /// The parameters named in `names`, in their order here.
    public func keeping(_ names: Set<String>) -> GenericParameters {
        var kept = GenericParameters()
        kept.items = items.filter { names.contains($0.name.lowercased()) }
        return kept
    }

    /// Replaces the value of a parameter in place, or appends it.
    public mutating func set(_ name: String, value: String?) {
        if let index = items.firstIndex(where: { $0.name.caseInsensitiveEquals(name) }) {
            items[index].value = value
            items[index].quoted = false
        } else {
            append(name, value: value)
        }
    }

    /// `;a=b;c` as written on the wire.
    public var serialized: String {
        var text = ""
        text.reserveCapacity(serializedLength)
        serialize(into: &text)
        return text
    }

    /// The length of `serialized`, but for the escapes of quoted values.
    var serializedLength: Int {
        items.reduce(0) { $0 + 4 + $1.name.utf8.count + ($1.value?.utf8.count ?? 0) }
    }

    /// Appends `serialized` to `text` without a string of its own.
    func serialize(into text: inout String) {
        for item in items {
            text += ";"
            text += item.name
            if let value = item.value {
                text += "="
                text += item.quoted ? HeaderValueScanner.quoted(value) : value
            }
        }
    }
}

extension StringProtocol {
    /// ASCII case-insensitive equality without allocating lower-cased copies.
    func caseInsensitiveEquals<T: StringProtocol>(_ other: T) -> Bool {
        SIPCharacterClass.caseInsensitiveEquals(utf8, other.utf8)
    }
}

extension SIPCharacterClass {
    /// ASCII case-insensitive equality of two byte sequences (a scheme read in place, a name and its spelling).
    static func caseInsensitiveEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { asciiLowercased($0) == asciiLowercased($1) }
    }
}
