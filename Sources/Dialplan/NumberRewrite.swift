/// What a route does to the dialed number before it leaves: strip digits from the front, then prepend others.
public struct NumberRewrite: Sendable, Hashable, Codable {
    public var strip: Int
    public var prepend: String

    public init(strip: Int = 0, prepend: String = "") {
        self.strip = strip
        self.prepend = prepend
    }

    /// Numbers a route rewrites matched a dial pattern, so they are ASCII: stripping counts bytes, without the
    /// grapheme walk a `Character` view needs.
    public func apply(_ number: String) -> String {
        prepend + Substring(number.utf8.dropFirst(strip))
    }

    /// Every problem, empty when valid: strip 0-20, prepend up to 20 of digits, `*`, `#` and `+`.
    public var problems: [String] {
        var problems: [String] = []
        if !(0...20).contains(strip) { problems.append("strip must be 0-20 digits, got \(strip)") }
        if prepend.count > 20 || !prepend.allSatisfy({ $0.isASCII && ($0.isNumber || "*#+".contains($0)) }) {
            problems.append("prepend must be up to 20 digits, * # or +, got '\(prepend.prefix(24))'")
        }
        return problems
    }
}
