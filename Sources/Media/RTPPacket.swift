/// The fixed RTP header (RFC 3550 section 5.1) of a packet the PBX reads or writes; CSRCs and extensions are
/// skipped on read and never written.
struct RTPPacket: Sendable, Equatable {
    var marker: Bool
    var payloadType: UInt8
    var sequence: UInt16
    var timestamp: UInt32
    var ssrc: UInt32
    var payload: [UInt8]

    /// Nil for anything that is not RTP version 2 with a whole header.
    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 12, bytes[0] >> 6 == 2 else { return nil }
        let csrcCount = Int(bytes[0] & 0x0F)
        var offset = 12 + 4 * csrcCount
        if bytes[0] & 0x10 != 0 {
            guard bytes.count >= offset + 4 else { return nil }
            offset += 4 + 4 * (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]))
        }
        guard bytes.count >= offset else { return nil }
        marker = bytes[1] & 0x80 != 0
        payloadType = bytes[1] & 0x7F
        sequence = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        timestamp = bytes[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
        ssrc = bytes[8..<12].reduce(0) { $0 << 8 | UInt32($1) }
        payload = Array(bytes[offset...])
    }

    init(marker: Bool = false, payloadType: UInt8, sequence: UInt16, timestamp: UInt32, ssrc: UInt32, payload: [UInt8]) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequence = sequence
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.payload = payload
    }

    var bytes: [UInt8] {
        var bytes: [UInt8] = [0x80, (marker ? 0x80 : 0) | payloadType & 0x7F, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(timestamp >> UInt32(shift) & 0xFF)) }
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(ssrc >> UInt32(shift) & 0xFF)) }
        return bytes + payload
    }
}
