/// Many dial patterns compiled into one trie, so finding the patterns a number matches costs about the number's
/// length, not the number of patterns: 10,000 blocked patterns are checked as fast as ten. Literal characters
/// follow one edge; digit classes (`X`, `[1-5]`) are extra edges tried in turn; a trailing `.` or `!` ends a path.
public struct PatternIndex<Value: Sendable>: Sendable {
    @usableFromInline var trie = PatternTrie()
    @usableFromInline var values: [Value] = []

    public init() {}

    public var count: Int { values.count }

    public mutating func insert(_ pattern: DialPattern, _ value: Value) {
        values.append(value)
        trie.insert(pattern, position: Int32(values.count - 1))
    }

    /// Calls `body` with the value of every pattern `number` matches, in no particular order, until it returns false.
    @inlinable
    public func forEachMatch(_ number: String, _ body: (Value) -> Bool) {
        guard !values.isEmpty else { return }
        values.withUnsafeBufferPointer { values in
            trie.matches(number) { body(values[Int($0)]) }
        }
    }

    /// Whether any pattern matches `number`.
    @inlinable
    public func matchesAny(_ number: String) -> Bool {
        guard !values.isEmpty else { return false }
        var found = false
        trie.matches(number) { _ in
            found = true
            return false
        }
        return found
    }
}
