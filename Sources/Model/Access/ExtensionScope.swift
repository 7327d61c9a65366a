import Foundation

/// Which extensions a role's extension permissions reach: all of them, or a group given as number ranges and single
/// numbers (`100-199,250,251`). Written and read as that text; `all` is everything.
public struct ExtensionScope: Sendable, Hashable, Codable, CustomStringConvertible {
    /// nil: every extension.
    public let ranges: [ClosedRange<UInt64>]?

    public static let all = ExtensionScope(ranges: nil)

    private init(ranges: [ClosedRange<UInt64>]?) { self.ranges = ranges }

    /// Parses `all` or a comma-separated list of numbers and `FROM-TO` ranges (at most 100 entries); nil when it is
    /// neither.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "all" {
            self = .all
            return
        }
        let entries = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...100).contains(entries.count) else { return nil }
        var ranges: [ClosedRange<UInt64>] = []
        for entry in entries {
            let bounds = entry.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(bounds.count), bounds.allSatisfy(ExtensionScope.isNumber),
                  let low = UInt64(bounds[0]), let high = UInt64(bounds[bounds.count - 1]), low <= high else { return nil }
            ranges.append(low...high)
        }
        self.init(ranges: ranges)
    }

    /// Whether the extension numbered `number` is within; a number that is not all digits is only in `all`.
    public func contains(_ number: String) -> Bool {
        guard let ranges else { return true }
        guard ExtensionScope.isNumber(number), let value = UInt64(number) else { return false }
        return ranges.contains { $0.contains(value) }
    }

    public var description: String {
        guard let ranges else { return "all" }
        return ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ",")
    }

    private static func isNumber(_ text: String) -> Bool { (1...18).contains(text.count) && text.allSatisfy { $0.isASCII && $0.isNumber } }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let scope = ExtensionScope(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "must be 'all' or numbers and ranges such as 100-199,250, got '\(text.prefix(40))'"))
        }
        self = scope
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
