import Foundation

/// Times as operators type them: ISO 8601, or a duration back from now (`30s`, `15m`, `2h`, `7d`).
public enum TimeExpression {
    public static func date(_ text: String, now: Date) -> Date? {
        if let seconds = seconds(text) { return now.addingTimeInterval(-seconds) }
        return try? Date(text, strategy: .iso8601)
    }

    /// A duration: plain seconds or a number with unit `s`, `m`, `h`, `d`.
    public static func seconds(_ text: String) -> Double? {
        if let plain = Double(text), plain >= 0 { return plain }
        guard let unit = text.last, let amount = Double(text.dropLast()), amount >= 0 else { return nil }
        let scale: Double? = switch unit {
        case "s": 1
        case "m": 60
        case "h": 3600
        case "d": 86_400
        default: nil
        }
        return scale.map { amount * $0 }
    }
}
