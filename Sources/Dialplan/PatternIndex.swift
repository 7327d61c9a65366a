/// Many dial patterns compiled into one trie, so finding the patterns a number matches costs about the number's
/// length, not the number of patterns: 10,000 blocked patterns are checked as fast as ten. Literal characters
/// follow one edge; digit classes (`X`, `[1-5]`) are extra edges tried in turn; a trailing `.` or `!` ends a path.
public struct PatternIndex<Value: Sendable>: Sendable {
    private struct Node: Sendable {
        /// Index of the next node per literal character (`characterSlot`), -1 when none.
        var literals = [Int32](repeating: -1, count: 13)
        var classes: [(set: UInt16, node: Int32)] = []
        /// Patterns that end here, that end here with `.`, and with `!`.
        var exact: [Value] = []
        var oneOrMore: [Value] = []
        var zeroOrMore: [Value] = []
    }

    private var nodes = [Node()]
    public private(set) var count = 0

    public init() {}

    public mutating func insert(_ pattern: DialPattern, _ value: Value) {
        var node = 0
        for token in pattern.tokens {
            switch token {
            case .literal(let byte):
                let slot = PatternIndex.characterSlot(byte)!
                if nodes[node].literals[slot] < 0 {
                    nodes.append(Node())
                    nodes[node].literals[slot] = Int32(nodes.count - 1)
                }
                node = Int(nodes[node].literals[slot])
            case .digits(let set):
                if let existing = nodes[node].classes.first(where: { $0.set == set }) {
                    node = Int(existing.node)
                } else {
                    nodes.append(Node())
                    nodes[node].classes.append((set, Int32(nodes.count - 1)))
                    node = nodes.count - 1
                }
            case .oneOrMore:
                nodes[node].oneOrMore.append(value)
                count += 1
                return
            case .zeroOrMore:
                nodes[node].zeroOrMore.append(value)
                count += 1
                return
            }
        }
        nodes[node].exact.append(value)
        count += 1
    }

    /// Calls `body` with the value of every pattern `number` matches, in no particular order, until it returns false.
    public func forEachMatch(_ number: String, _ body: (Value) -> Bool) {
        var number = number
        number.withUTF8 { bytes in _ = visit(0, bytes[...], body) }
    }

    /// Whether any pattern matches `number`.
    public func matchesAny(_ number: String) -> Bool {
        var found = false
        forEachMatch(number) { _ in
            found = true
            return false
        }
        return found
    }

    private func visit(_ index: Int, _ rest: Slice<UnsafeBufferPointer<UInt8>>, _ body: (Value) -> Bool) -> Bool {
        let node = nodes[index]
        for value in node.zeroOrMore where !body(value) { return false }
        guard let byte = rest.first else {
            for value in node.exact where !body(value) { return false }
            return true
        }
        for value in node.oneOrMore where !body(value) { return false }
        let tail = rest.dropFirst()
        if let slot = PatternIndex.characterSlot(byte), node.literals[slot] >= 0, !visit(Int(node.literals[slot]), tail, body) { return false }
        if (48...57).contains(byte) {
            let bit: UInt16 = 1 << UInt16(byte - 48)
            for edge in node.classes where edge.set & bit != 0 {
                if !visit(Int(edge.node), tail, body) { return false }
            }
        }
        return true
    }

    /// 0-9, then `*`, `#`, `+`.
    private static func characterSlot(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte - 48)
        case UInt8(ascii: "*"): 10
        case UInt8(ascii: "#"): 11
        case UInt8(ascii: "+"): 12
        default: nil
        }
    }
}
