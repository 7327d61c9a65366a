import GeoIP

/// An address block in CIDR notation (`192.0.2.0/24`, `2001:db8::/32`); a bare address is a single host.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block.
    public let address: IPAddress
    public let prefixLength: Int

    /// Masks `address` to the block that contains it.
    public init(containing address: IPAddress, prefixLength: Int) {
        precondition((0...address.bitCount).contains(prefixLength))
        self.prefixLength = prefixLength
        switch address {
        case .v4(let value):
            self.address = .v4(prefixLength == 0 ? 0 : value & ~UInt32(0) << (32 - prefixLength))
        case .v6:
            let mask: UInt128 = prefixLength == 0 ? 0 : ~UInt128(0) << (128 - prefixLength)
            let masked = address.v6Value & mask
            self.address = .v6(high: UInt64(truncatingIfNeeded: masked >> 64), low: UInt64(truncatingIfNeeded: masked))
        }
    }

    /// Parses `ADDRESS` or `ADDRESS/LENGTH`; host bits must be zero so a typo such as `10.0.0.1/8` is caught.
    public init(parsing text: String) throws(NetworkInputError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else {
            throw NetworkInputError("'\(text.prefix(60))' is not an IP address or CIDR range")
        }
        var length = address.bitCount
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...address.bitCount).contains(value) else {
                throw NetworkInputError("'\(text.prefix(60))': prefix length must be 0-\(address.bitCount)")
            }
            length = value
        }
        self.init(containing: address, prefixLength: length)
        guard self.address == address else {
            throw NetworkInputError("'\(text.prefix(60))' has host bits set; the range starts at \(self.address)/\(length)")
        }
    }

    public var isHost: Bool { prefixLength == address.bitCount }

    public func contains(_ other: IPAddress) -> Bool {
        switch other {
        case .v4(let value): v4Bounds?.contains(value) ?? false
        case .v6: v6Bounds?.contains(other.v6Value) ?? false
        }
    }

    public var description: String { isHost ? address.description : "\(address)/\(prefixLength)" }
}

extension IPNetwork: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Input that names no valid address, range, rule or country; the message says which and why.
public struct NetworkInputError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
