/// The console's prompt, as a pure state machine: terminal bytes in, what to echo and what was entered out. It
/// knows backspace, Ctrl-C (abandon the line), Ctrl-D (end, on an empty line), Ctrl-U (clear) and the up and down
/// arrows (history); every other escape sequence and control byte is swallowed. Line and history are bounded.
public struct LineEditor: Sendable {
    public enum Step: Equatable, Sendable {
        /// Bytes for the terminal (echo, erase, redraw).
        case write([UInt8])
        /// A line was entered.
        case submit(String)
        /// Ctrl-C: the line is abandoned (or the running command interrupted).
        case interrupt
        /// Ctrl-D on an empty line.
        case end
    }

    public static let maximumLine = 4_096
    public static let maximumHistory = 100

    public let prompt: String
    private var line: [UInt8] = []
    public private(set) var history: [String] = []
    private var recalled: Int?
    private var escape = EscapeState.none
    private var lastWasReturn = false

    private enum EscapeState { case none, started, sequence }

    public init(prompt: String) { self.prompt = prompt }

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Step] {
        var steps: [Step] = []
        for byte in bytes { feed(byte, into: &steps) }
        return steps
    }

    private mutating func feed(_ byte: UInt8, into steps: inout [Step]) {
        defer { lastWasReturn = byte == 0x0D }
        switch escape {
        case .started:
            escape = byte == UInt8(ascii: "[") || byte == UInt8(ascii: "O") ? .sequence : .none
            return
        case .sequence:
            guard (0x40...0x7E).contains(byte) else { return }
            escape = .none
            if byte == UInt8(ascii: "A") { recall(older: true, into: &steps) }
            if byte == UInt8(ascii: "B") { recall(older: false, into: &steps) }
            return
        case .none:
            break
        }
        switch byte {
        case 0x0D, 0x0A:
            if byte == 0x0A && lastWasReturn { return }
            let text = String(decoding: line, as: UTF8.self)
            steps.append(.write(Array("\r\n".utf8)))
            steps.append(.submit(text))
            remember(text)
            line = []
            recalled = nil
        case 0x7F, 0x08:
            guard !line.isEmpty else { return }
            // One character: its leading byte and any UTF-8 continuation bytes.
            while let last = line.popLast(), last & 0xC0 == 0x80, !line.isEmpty {}
            steps.append(.write([0x08, 0x20, 0x08]))
        case 0x03:
            line = []
            recalled = nil
            steps.append(.write(Array("^C\r\n".utf8)))
            steps.append(.interrupt)
        case 0x04:
            if line.isEmpty { steps.append(.end) }
        case 0x15:
            line = []
            steps.append(redraw())
        case 0x1B:
            escape = .started
        case 0x00..<0x20:
            return
        default:
            guard line.count < LineEditor.maximumLine else { return steps.append(.write([0x07])) }
            line.append(byte)
            steps.append(.write([byte]))
        }
    }

    private mutating func recall(older: Bool, into steps: inout [Step]) {
        guard !history.isEmpty else { return steps.append(.write([0x07])) }
        if older {
            recalled = max(0, (recalled ?? history.count) - 1)
        } else {
            guard let current = recalled else { return steps.append(.write([0x07])) }
            recalled = current + 1 < history.count ? current + 1 : nil
        }
        line = recalled.map { Array(history[$0].utf8) } ?? []
        steps.append(redraw())
    }

    /// Back to the line's start, clear it, prompt and line again.
    private func redraw() -> Step {
        .write(Array("\r\u{1B}[K".utf8) + Array(prompt.utf8) + line)
    }

    private mutating func remember(_ text: String) {
        guard !text.allSatisfy(\.isWhitespace), history.last != text else { return }
        history.append(text)
        if history.count > LineEditor.maximumHistory { history.removeFirst() }
    }
}
