/// The header fields of a message in their received order; values are kept as unfolded text and parsed on demand.
public struct SIPHeaders: Sendable, Equatable, Sequence {
    public struct Field: Sendable, Equatable {
        public var name: SIPHeaderName
        /// The value as received: a received message's fields are ranges of one string holding its header section, so
        /// parsing makes no string per header; a `String` is made only when a caller asks for `value`.
        public var text: Substring

        public var value: String { String(text) }

        public init(_ name: SIPHeaderName, _ value: String) {
            self.init(name, text: value[...])
        }

        public init(_ name: SIPHeaderName, text: Substring) {
            self.name = name
            self.text = text
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
        text(name).map(String.init)
    }

    /// The first value of a header in place, for a reader that needs no string of its own (the parsers).
    public func text(_ name: SIPHeaderName) -> Substring? {
        for index in fields.indices where fields[index].name == name { return fields[index].text }
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
        forEachValue(name) { result.append(String($0)) }
        return result
    }

    /// Calls `body` with each value `values(_:)` returns, in order and in place, without collecting them: a line
    /// holding one value (the usual case) costs no array and no string.
    public func forEachValue<E: Error>(_ name: SIPHeaderName, _ body: (Substring) throws(E) -> Void) throws(E) {
        for index in fields.indices where fields[index].name == name {
            let value = fields[index].text
            guard name.isList, value.containsByte(UInt8(ascii: ",")) else {
                try body(name.isList ? HeaderValueScanner.trimmed(value) : value)
                continue
            }
            for element in HeaderValueScanner.splitList(value) { try body(element[...]) }
        }
    }

    public func contains(_ name: SIPHeaderName) -> Bool {
        for index in fields.indices where fields[index].name == name { return true }
        return false
    }

    public mutating func append(_ name: SIPHeaderName, _ value: String) {
        append(Field(name, value))
    }

    /// Appends a field as it is, a copied one keeping its place in the message it came from.
    public mutating func append(_ field: Field) {
        fields.append(field)
        parsed = nil
    }

    /// Rewrites the top Via with `change`, keeping the values after it on the same line; nothing changes when there is
    /// no parseable top Via or `change` returns nil. A line holding one value (the usual case) is not split.
    mutating func updateTopVia(_ change: (Via) -> Via?) {
        guard let index = fields.firstIndex(where: { $0.name == .via }) else { return }
        let line = fields[index].text
        let single = !line.containsByte(UInt8(ascii: ","))
        let values = single ? [] : HeaderValueScanner.splitList(line)
        guard let top = parsed?.vias.first ?? (try? Via(parsing: single ? line : values[0][...])), let changed = change(top) else { return }
        fields[index].text = (single ? changed.description : ([changed.description] + values.dropFirst()).joined(separator: ", "))[...]
        parsed = parsed?.replacingTopVia(with: changed)
    }
}
