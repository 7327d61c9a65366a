/// Reads RFC 4733 telephone-events (the DTMF of RFC 2833): one digit per event, however many packets and
/// retransmitted end packets carry it. Events are told apart by their RTP timestamp.
struct DTMFDetector: Sendable {
    let payloadType: UInt8
    private var lastTimestamp: UInt32?

    init(payloadType: UInt8) {
        self.payloadType = payloadType
    }

    /// The digit a packet starts, or nil (another payload type, a continuation of the same event, not a DTMF key).
    mutating func receive(_ packet: RTPPacket) -> Character? {
        guard packet.payloadType == payloadType, packet.payload.count >= 4, packet.timestamp != lastTimestamp else { return nil }
        lastTimestamp = packet.timestamp
        let event = packet.payload[0]
        switch event {
        case 0...9: return Character(String(event))
        case 10: return "*"
        case 11: return "#"
        case 12...15: return Character(Unicode.Scalar(UInt8(ascii: "A") + event - 12))
        default: return nil
        }
    }
}

/// What a caller is asked to key in: up to `maxDigits`, ended by `terminator`, within `timeout` seconds of the
/// prompt's end (and between digits).
public struct DigitRequest: Sendable, Equatable {
    public var maxDigits: Int
    public var terminator: Character?
    public var timeout: Int

    public init(maxDigits: Int = 15, terminator: Character? = "#", timeout: Int = 10) {
        self.maxDigits = maxDigits
        self.terminator = terminator
        self.timeout = timeout
    }
}

/// Collects digits for one `DigitRequest`.
struct DigitCollector: Sendable {
    enum Outcome: Sendable, Equatable {
        case more
        /// The digits, without the terminator.
        case done(String)
    }

    let request: DigitRequest
    private(set) var digits = ""

    init(_ request: DigitRequest) {
        self.request = request
    }

    mutating func add(_ digit: Character) -> Outcome {
        if digit == request.terminator { return .done(digits) }
        digits.append(digit)
        return digits.count >= request.maxDigits ? .done(digits) : .more
    }
}
