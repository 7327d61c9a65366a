/// Decodes the MaxMind DB data section format (spec "MaxMind DB File Format Specification" 2.0), checking every
/// offset and size against the buffer and bounding nesting, so a hostile file can only produce an error.
struct MaxMindDecoder {
    let bytes: [UInt8]
    /// Where the section starts (pointers are relative to it) and ends.
    let start: Int
    let end: Int

    static let maxDepth = 64

    func decode(at offset: Int) throws(MaxMindDatabaseError) -> MaxMindValue {
        var position = start + offset
        return try value(&position, depth: 0)
    }

    private func byte(_ position: inout Int) throws(MaxMindDatabaseError) -> UInt8 {
        guard position >= start, position < end else { throw MaxMindDatabaseError("data offset \(position) outside the data section") }
        defer { position += 1 }
        return bytes[position]
    }

    private func slice(_ position: inout Int, _ count: Int) throws(MaxMindDatabaseError) -> ArraySlice<UInt8> {
        guard count >= 0, position >= start, count <= end - position else {
            throw MaxMindDatabaseError("a field of \(count) bytes runs past the data section")
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    private func unsigned(_ slice: ArraySlice<UInt8>) -> UInt64 {
        slice.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private func value(_ position: inout Int, depth: Int) throws(MaxMindDatabaseError) -> MaxMindValue {
        guard depth < MaxMindDecoder.maxDepth else { throw MaxMindDatabaseError("data nested deeper than \(MaxMindDecoder.maxDepth)") }
        let control = try byte(&position)
        var type = Int(control >> 5)
        if type == 1 {
            var target = try pointer(control, &position)
            // A pointer's target is decoded in place; the reader continues after the pointer itself.
            let resolved = try value(&target, depth: depth + 1)
            return resolved
        }
        if type == 0 {
            type = 7 + Int(try byte(&position))
            guard type >= 8 else { throw MaxMindDatabaseError("bad extended type \(type)") }
        }
        var size = Int(control & 0x1F)
        switch size {
        case 29: size = 29 + Int(try byte(&position))
        case 30: size = 285 + Int(unsigned(try slice(&position, 2)))
        case 31: size = 65_821 + Int(unsigned(try slice(&position, 3)))
        default: break
        }
        switch type {
        case 2:
            let text = try slice(&position, size)
            guard let string = String(validating: text, as: UTF8.self) else { throw MaxMindDatabaseError("invalid UTF-8 string") }
            return .string(string)
        case 3:
            guard size == 8 else { throw MaxMindDatabaseError("double of size \(size)") }
            return .double(Double(bitPattern: unsigned(try slice(&position, 8))))
        case 4:
            return .bytes(Array(try slice(&position, size)))
        case 5, 6, 9:
            let limit = type == 5 ? 2 : type == 6 ? 4 : 8
            guard size <= limit else { throw MaxMindDatabaseError("unsigned integer of \(size) bytes") }
            return .unsigned(unsigned(try slice(&position, size)))
        case 10:
            guard size <= 16 else { throw MaxMindDatabaseError("uint128 of \(size) bytes") }
            let raw = try slice(&position, size)
            let low = unsigned(raw.suffix(8))
            let high = unsigned(raw.dropLast(min(8, raw.count)))
            return .unsigned128(high: high, low: low)
        case 8:
            guard size <= 4 else { throw MaxMindDatabaseError("int32 of \(size) bytes") }
            return .int32(Int32(truncatingIfNeeded: unsigned(try slice(&position, size))))
        case 7:
            guard size <= end - position else { throw MaxMindDatabaseError("map of \(size) entries cannot fit") }
            var map: [String: MaxMindValue] = [:]
            for _ in 0..<size {
                guard case .string(let key) = try value(&position, depth: depth + 1) else {
                    throw MaxMindDatabaseError("map key is not a string")
                }
                map[key] = try value(&position, depth: depth + 1)
            }
            return .map(map)
        case 11:
            guard size <= end - position else { throw MaxMindDatabaseError("array of \(size) entries cannot fit") }
            var array: [MaxMindValue] = []
            for _ in 0..<size { array.append(try value(&position, depth: depth + 1)) }
            return .array(array)
        case 14:
            guard size <= 1 else { throw MaxMindDatabaseError("boolean of value \(size)") }
            return .boolean(size == 1)
        case 15:
            guard size == 4 else { throw MaxMindDatabaseError("float of size \(size)") }
            return .float(Float(bitPattern: UInt32(unsigned(try slice(&position, 4)))))
        default:
            throw MaxMindDatabaseError("unsupported data type \(type)")
        }
    }

    /// Pointer targets, as absolute positions in the buffer.
    private func pointer(_ control: UInt8, _ position: inout Int) throws(MaxMindDatabaseError) -> Int {
        let sizeBits = Int((control >> 3) & 0x3)
        let high = UInt64(control & 0x7)
        let raw = unsigned(try slice(&position, sizeBits + 1))
        let offset: UInt64
        switch sizeBits {
        case 0: offset = high << 8 | raw
        case 1: offset = (high << 16 | raw) + 2_048
        case 2: offset = (high << 24 | raw) + 526_336
        default: offset = raw
        }
        guard offset < UInt64(end - start) else { throw MaxMindDatabaseError("pointer \(offset) outside the data section") }
        return start + Int(offset)
    }
}
