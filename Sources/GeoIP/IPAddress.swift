#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as numbers, so lookups walk bits without allocating.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(high: UInt64, low: UInt64)

    /// Parses dotted-quad IPv4 or any RFC 4291 IPv6 text form.
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        self.init(bytes16: bytes)
    }

    init(bytes16 bytes: [UInt8]) {
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        self = .v6(high: high, low: low)
    }

    public var bitCount: Int {
        switch self {
        case .v4: 32
        case .v6: 128
        }
    }

    /// Bit `index` counted from the most significant bit.
    public func bit(_ index: Int) -> Bool {
        switch self {
        case .v4(let value): (value >> (31 - UInt32(index))) & 1 == 1
        case .v6(let high, let low): index < 64 ? (high >> (63 - UInt64(index))) & 1 == 1 : (low >> (127 - UInt64(index))) & 1 == 1
        }
    }

    public var description: String {
        switch self {
        case .v4(let value):
            return (0..<4).map { String((value >> (24 - UInt32($0) * 8)) & 0xFF) }.joined(separator: ".")
        case .v6(let high, let low):
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { raw in
                for index in 0..<8 {
                    raw[index] = UInt8(truncatingIfNeeded: high >> (56 - UInt64(index) * 8))
                    raw[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - UInt64(index) * 8))
                }
            }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

extension IPAddress {
    /// The address as one 128-bit number; IPv4 maps into `::ffff:0:0/96` so both families share one key space.
    public var v6Value: UInt128 {
        switch self {
        case .v4(let value): UInt128(0xFFFF) << 32 | UInt128(value)
        case .v6(let high, let low): UInt128(high) << 64 | UInt128(low)
        }
    }
}
