/// The CSeq header: sequence number and method (RFC 3261 section 20.16; the number stays below 2^31).
public struct CSeq: Sendable, Hashable, CustomStringConvertible {
    public var sequence: UInt32
    public var method: SIPMethod

    public init(_ sequence: UInt32, _ method: SIPMethod) {
        self.sequence = sequence
        self.method = method
    }

    public var description: String { "\(sequence) \(method.rawValue)" }

    public init(parsing value: some StringProtocol) throws(SIPParseError) {
        // Two words separated by blanks, found in place: this runs for every message.
        let utf8 = value.utf8
        let isBlank = SIPCharacterClass.isWhitespace
        let numberStart = utf8.firstIndex { !isBlank($0) } ?? utf8.endIndex
        let numberEnd = utf8[numberStart...].firstIndex(where: isBlank) ?? utf8.endIndex
        let methodStart = utf8[numberEnd...].firstIndex { !isBlank($0) } ?? utf8.endIndex
        let methodEnd = utf8[methodStart...].firstIndex(where: isBlank) ?? utf8.endIndex
        let number = value[numberStart..<numberEnd], methodName = value[methodStart..<methodEnd]
        guard !number.isEmpty, !methodName.isEmpty, utf8[methodEnd...].allSatisfy(isBlank),
              number.utf8.allSatisfy(SIPCharacterClass.isDigit), SIPCharacterClass.isToken(methodName) else {
            throw SIPParseError(.malformedHeader, "CSeq: expected 'number METHOD'")
        }
        guard number.utf8.count <= 10, let sequence = UInt64(number), sequence < 1 << 31 else {
            throw SIPParseError(.valueOutOfRange, "CSeq: number must be below 2^31")
        }
        self.sequence = UInt32(sequence)
        method = SIPMethod(String(methodName))
    }
}
