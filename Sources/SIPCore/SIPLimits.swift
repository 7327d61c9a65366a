/// Bounds every parse, so a hostile peer cannot make the parser allocate or loop without limit.
public struct SIPLimits: Sendable, Equatable {
    /// Largest message accepted, headers and body together (RFC 3261 section 18.1.1 allows 65,535 on UDP).
    public var maxMessageSize: Int = 65_535
    /// Most header lines in one message; real phones send 10 to 30.
    public var maxHeaderCount: Int = 128
    /// Longest line, and longest header after unfolding continuation lines.
    public var maxLineLength: Int = 8_192

    public init() {}
}
