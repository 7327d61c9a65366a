extension String {
    /// `bytes` as text with the ASCII capitals lowered and every other byte kept: case-insensitive hosts and parameter
    /// names, compared after this. (Setting bit 0x20 on every byte, the shortcut, turns `_` into DEL and `@` into `` ` ``.)
    /// The bytes are expected to be validated already; invalid UTF-8 would be repaired, as in `String(decoding:as:)`.
    @inlinable
    public init(asciiLowercasing bytes: some Collection<UInt8>) {
        self.init(unsafeUninitializedCapacity: bytes.count) { buffer in
            for (offset, byte) in bytes.enumerated() { buffer[offset] = SIPCharacterClass.asciiLowercased(byte) }
            return bytes.count
        }
    }
}
