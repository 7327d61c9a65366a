import Foundation

/// Times as operators type them: ISO 8601, or a duration back from now (`30s`, `15m`, `2h`, `7d`).
public enum TimeExpression {
    public static func date(_ text: String, now: Date) -> Date? {
        if let unit = text.last, let amount = Double(text.dropLast()), amount >= 0 {
            let seconds: Double? = switch unit {
            case "s": 1
            case "m": 60
            case "h": 3600
            case "d": 86_400
            default: nil
            }
            if let seconds { return now.addingTimeInterval(-amount * seconds) }
        }
        return try? Date(text, strategy: .iso8601)
    }
}
