/// Comparison whose duration does not depend on where two secrets differ. Inlinable, so each caller gets it
/// specialized for its collections: unspecialized, every comparison would look up generic metadata at run time.
public enum ConstantTime {
    @inlinable
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) { difference |= a ^ b }
        return difference == 0
    }

    /// Compares text case-insensitively for ASCII hex digests, still in constant time.
    @inlinable
    public static func equalsHex(_ lhs: String, _ rhs: String) -> Bool {
        equalsHex(lhs.utf8, rhs.utf8)
    }

    /// The same over UTF-8 bytes: a digest written to stack memory is compared without making a string of it.
    @inlinable
    public static func equalsHex(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) { difference |= (a | 0x20) ^ (b | 0x20) }
        return difference == 0
    }
}
