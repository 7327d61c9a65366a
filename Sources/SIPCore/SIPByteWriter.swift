/// Appends bytes into memory sized for them beforehand (an array's or a transport buffer's), so a message is written
/// once where it will be sent from, with no growth and no array in between. Every append checks the room left: a
/// wrong size stops the process instead of writing past the end.
struct SIPByteWriter: ~Copyable {
    private let base: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ base: UnsafeMutableRawBufferPointer) { self.base = base }

    mutating func append(_ byte: UInt8) {
        precondition(count < base.count, "SIP message larger than the room it was sized for")
        base[count] = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(bytes.count <= base.count - count, "SIP message larger than the room it was sized for")
        (base.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func append(_ bytes: UTF8Bytes) { append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes))) }

    mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A number in decimal, without a string in between (status codes and lengths).
    mutating func appendDecimal(_ number: Int) {
        if number < 0 { append(UInt8(ascii: "-")) }
        let magnitude = number.magnitude
        var divisor: UInt = 1
        while divisor <= magnitude / 10 { divisor *= 10 }
        while divisor > 0 {
            append(0x30 + UInt8(magnitude / divisor % 10))
            divisor /= 10
        }
    }

    /// How many bytes `appendDecimal` writes for `number`.
    static func decimalLength(_ number: Int) -> Int {
        var length = number < 0 ? 2 : 1
        var rest = number.magnitude
        while rest >= 10 {
            rest /= 10
            length += 1
        }
        return length
    }

    /// `text` with each control character (C0 and DEL) that `keeping` refuses written as a space: as many bytes as
    /// the text has. Almost every value has none and is copied whole.
    mutating func appendLine(_ text: some StringProtocol, keeping: (UInt8) -> Bool) {
        text.withUTF8Bytes { bytes in
            guard bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return append(bytes) }
            for byte in bytes { append((byte < 0x20 || byte == 0x7F) && !keeping(byte) ? 0x20 : byte) }
        }
    }
}
