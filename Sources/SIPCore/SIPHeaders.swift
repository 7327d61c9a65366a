/// The header fields of a message in their received order; values are kept as unfolded text and parsed on demand.
public struct SIPHeaders: Sendable, Equatable, Sequence {
    public struct Field: Sendable, Equatable {
        public var name: SIPHeaderName
        public var value: String

        public init(_ name: SIPHeaderName, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var fields: [Field]
    /// Set by validation; every mutation below drops it, so it never disagrees with `fields`.
    var parsed: SIPParsedHeaders?

    public init(_ fields: [Field] = []) { self.fields = fields }

    /// Equal fields make equal headers, whether or not they were parsed.
    public static func == (lhs: SIPHeaders, rhs: SIPHeaders) -> Bool { lhs.fields == rhs.fields }

    public init(_ pairs: [(SIPHeaderName, String)]) {
        fields = pairs.map { Field($0.0, $0.1) }
    }

    public var count: Int { fields.count }
    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    // The lookups below walk the fields by index and compare names in place: a `for field in fields` loop copies
    // each field it passes (three references retained and released), and every message is looked up a dozen times.

    /// The first value of a header, as written.
    public subscript(_ name: SIPHeaderName) -> String? {
        for index in fields.indices where fields[index].name == name { return fields[index].value }
        return nil
    }

    /// How many field lines a header has; counts without collecting them.
    public func lineCount(_ name: SIPHeaderName) -> Int {
        var count = 0
        for index in fields.indices where fields[index].name == name { count += 1 }
        return count
    }

    /// Every value of a header; list headers are split at top-level commas across all their lines.
    public func values(_ name: SIPHeaderName) -> [String] {
        var result: [String] = []
        forEachValue(name) { result.append($0) }
        return result
    }

    /// Calls `body` with each value `values(_:)` returns, in order, without collecting them: a line holding one value
    /// (the usual case) costs no array.
    public func forEachValue<E: Error>(_ name: SIPHeaderName, _ body: (String) throws(E) -> Void) throws(E) {
        for index in fields.indices where fields[index].name == name {
            let value = fields[index].value
            guard name.isList, value.containsByte(UInt8(ascii: ",")) else {
                try body(name.isList ? HeaderValueScanner.trimmed(value) : value)
                continue
            }
            for element in HeaderValueScanner.splitList(value) { try body(element) }
        }
    }

    public func contains(_ name: SIPHeaderName) -> Bool {
        for index in fields.indices where fields[index].name == name { return true }
        return false
    }

    public mutating func append(_ name: SIPHeaderName, _ value: String) {
        fields.append(Field(name, value))
        parsed = nil
    }

    /// Rewrites the top Via with `change`, keeping the values after it on the same line; nothing changes when there is
    /// no parseable top Via or `change` returns nil. A line holding one value (the usual case) is not split.
    mutating func updateTopVia(_ change: (Via) -> Via?) {
        guard let index = fields.firstIndex(where: { $0.name == .via }) else { return }
        let line = fields[index].value
        let single = !line.containsByte(UInt8(ascii: ","))
        let values = single ? [] : HeaderValueScanner.splitList(line)
        guard let top = parsed?.vias.first ?? (try? Via(parsing: single ? line : values[0])), let changed = change(top) else { return }
        fields[index].value = single ? changed.description : ([changed.description] + values.dropFirst()).joined(separator: ", ")
        parsed = parsed?.replacingTopVia(with: changed)
    }
}
