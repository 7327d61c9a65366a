/// A received message's header lines as one string, made once per message: each header value is a range of it
/// (`SIPHeaders.Field.text`), where a string per value cost an allocation for every header longer than 15 bytes.
struct HeaderSection {
    private let text: String
    /// Where the section starts in the received bytes.
    private let start: Int

    /// The lines from `start` up to the empty line that ends the headers; nil when there is no such line or the
    /// lines are not valid UTF-8 (the parser then makes a string per value, repairing each as before).
    init?(_ bytes: UnsafeRawBufferPointer, from start: Int) {
        var lineStart = start
        while lineStart < bytes.count, bytes[lineStart] != 0x0A, !(bytes[lineStart] == 0x0D && lineStart + 1 < bytes.count && bytes[lineStart + 1] == 0x0A) {
            guard let lineFeed = bytes[lineStart...].firstIndex(of: 0x0A) else { return nil }
            lineStart = lineFeed + 1
        }
        guard lineStart < bytes.count,
              let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<lineStart]), as: UTF8.self) else { return nil }
        self.text = text
        self.start = start
    }

    /// The value at `range` of the received bytes; nil when it does not lie within the section.
    func text(of range: Range<Int>) -> Substring? {
        let utf8 = text.utf8
        guard range.lowerBound >= start, range.upperBound - start <= utf8.count else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: range.lowerBound - start)
        return text[lower..<utf8.index(lower, offsetBy: range.count)]
    }
}
