/// The CSeq header: sequence number and method (RFC 3261 section 20.16; the number stays below 2^31).
public struct CSeq: Sendable, Hashable, CustomStringConvertible {
    public var sequence: UInt32
    public var method: SIPMethod

    public init(_ sequence: UInt32, _ method: SIPMethod) {
        self.sequence = sequence
        self.method = method
    }

    public var description: String { "\(sequence) \(method.rawValue)" }

    public init(parsing value: String) throws(SIPParseError) {
        let parts = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 2, parts[0].utf8.allSatisfy(SIPCharacterClass.isDigit), SIPCharacterClass.isToken(parts[1]) else {
            throw SIPParseError(.malformedHeader, "CSeq: expected 'number METHOD'")
        }
        guard parts[0].count <= 10, let number = UInt64(parts[0]), number < 1 << 31 else {
            throw SIPParseError(.valueOutOfRange, "CSeq: number must be below 2^31")
        }
        sequence = UInt32(number)
        method = SIPMethod(String(parts[1]))
    }
}
