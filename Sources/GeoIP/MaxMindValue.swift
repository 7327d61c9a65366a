/// A value from a MaxMind DB data section.
public indirect enum MaxMindValue: Sendable, Equatable {
    case string(String)
    case double(Double)
    case bytes([UInt8])
    case unsigned(UInt64)
    /// uint128 as high and low halves.
    case unsigned128(high: UInt64, low: UInt64)
    case int32(Int32)
    case map([String: MaxMindValue])
    case array([MaxMindValue])
    case boolean(Bool)
    case float(Float)

    public subscript(_ key: String) -> MaxMindValue? {
        if case .map(let map) = self { return map[key] }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

/// Why a database could not be opened or read; a damaged file gives one of these, never a crash.
public struct MaxMindDatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
