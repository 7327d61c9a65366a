/// The trie behind `PatternIndex`: plain integers in flat arrays (lists linked by index), so a walk neither allocates
/// nor retains, and, not being generic, runs as specialized code whatever the index holds.
@usableFromInline
struct PatternTrie: Sendable {
    struct Node: Sendable {
        /// Heads of linked lists: digit-class edges, and patterns ending here exactly, with `.`, with `!`; -1 empty.
        var classes: Int32 = -1
        var exact: Int32 = -1
        var oneOrMore: Int32 = -1
        var zeroOrMore: Int32 = -1
    }

    struct ClassEdge: Sendable {
        var set: UInt16
        var node: Int32
        var next: Int32
    }

    struct Terminal: Sendable {
        var pattern: Int32
        var next: Int32
    }

    static let slots = 13

    var nodes = [Node()]
    /// `slots` child indexes per node (0-9, `*`, `#`, `+`), -1 when none.
    var children = [Int32](repeating: -1, count: 13)
    var edges: [ClassEdge] = []
    var terminals: [Terminal] = []

    @usableFromInline init() {}

    /// Adds `pattern` under the number `position`, which a match reports.
    @usableFromInline
    mutating func insert(_ pattern: DialPattern, position: Int32) {
        var node = 0
        for token in pattern.tokens {
            switch token {
            case .literal(let byte):
                // A character no dialed number can match through the trie (lookups index the same slots): the
                // pattern can never match, so it is left out.
                guard let character = Self.characterSlot(byte) else { return }
                let slot = node * Self.slots + character
                if children[slot] < 0 {
                    children[slot] = newNode()
                }
                node = Int(children[slot])
            case .digits(let set):
                var edge = nodes[node].classes
                while edge >= 0 && edges[Int(edge)].set != set { edge = edges[Int(edge)].next }
                if edge < 0 {
                    edges.append(ClassEdge(set: set, node: newNode(), next: nodes[node].classes))
                    edge = Int32(edges.count - 1)
                    nodes[node].classes = edge
                }
                node = Int(edges[Int(edge)].node)
            case .oneOrMore:
                terminals.append(Terminal(pattern: position, next: nodes[node].oneOrMore))
                nodes[node].oneOrMore = Int32(terminals.count - 1)
                return
            case .zeroOrMore:
                terminals.append(Terminal(pattern: position, next: nodes[node].zeroOrMore))
                nodes[node].zeroOrMore = Int32(terminals.count - 1)
                return
            }
        }
        terminals.append(Terminal(pattern: position, next: nodes[node].exact))
        nodes[node].exact = Int32(terminals.count - 1)
    }

    /// The positions of the patterns `number` matches, until `body` returns false.
    @usableFromInline
    func matches(_ number: String, _ body: (Int32) -> Bool) {
        var number = number
        number.withUTF8 { bytes in
            nodes.withUnsafeBufferPointer { nodes in
                children.withUnsafeBufferPointer { children in
                    edges.withUnsafeBufferPointer { edges in
                        terminals.withUnsafeBufferPointer { terminals in
                            _ = Walk(nodes: nodes, children: children, edges: edges, terminals: terminals).visit(0, bytes[...], body)
                        }
                    }
                }
            }
        }
    }

    private mutating func newNode() -> Int32 {
        nodes.append(Node())
        children.append(contentsOf: repeatElement(-1, count: Self.slots))
        return Int32(nodes.count - 1)
    }

    /// 0-9, then `*`, `#`, `+`.
    static func characterSlot(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte - 48)
        case UInt8(ascii: "*"): 10
        case UInt8(ascii: "#"): 11
        case UInt8(ascii: "+"): 12
        default: nil
        }
    }

    /// The trie's arrays borrowed for one walk.
    private struct Walk {
        let nodes: UnsafeBufferPointer<Node>
        let children: UnsafeBufferPointer<Int32>
        let edges: UnsafeBufferPointer<ClassEdge>
        let terminals: UnsafeBufferPointer<Terminal>

        func visit(_ index: Int, _ rest: Slice<UnsafeBufferPointer<UInt8>>, _ body: (Int32) -> Bool) -> Bool {
            let node = nodes[index]
            guard report(node.zeroOrMore, body) else { return false }
            guard let byte = rest.first else { return report(node.exact, body) }
            guard report(node.oneOrMore, body) else { return false }
            let tail = rest.dropFirst()
            if let slot = PatternTrie.characterSlot(byte) {
                let child = children[index * PatternTrie.slots + slot]
                if child >= 0 && !visit(Int(child), tail, body) { return false }
            }
            if (48...57).contains(byte) {
                let bit: UInt16 = 1 << UInt16(byte - 48)
                var edge = node.classes
                while edge >= 0 {
                    let current = edges[Int(edge)]
                    if current.set & bit != 0 && !visit(Int(current.node), tail, body) { return false }
                    edge = current.next
                }
            }
            return true
        }

        private func report(_ head: Int32, _ body: (Int32) -> Bool) -> Bool {
            var terminal = head
            while terminal >= 0 {
                guard body(terminals[Int(terminal)].pattern) else { return false }
                terminal = terminals[Int(terminal)].next
            }
            return true
        }
    }
}
