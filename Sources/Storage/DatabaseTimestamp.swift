import Foundation

/// A date in the text GRDB stores for a `Date` ("yyyy-MM-dd HH:mm:ss.SSS", UTC), written by arithmetic instead of
/// GRDB's `DateFormatter`: the binding write-behind stores two dates per REGISTER, and the formatter was half of its
/// cost. The same text, so columns stay comparable and read back as `Date`s as before.
enum DatabaseTimestamp {
    static func text(_ date: Date) -> String {
        // Half a millisecond goes up, before 1970 too (toward the later time, as GRDB's formatter rounds).
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000 + 0.5).rounded(.down))
        var day = milliseconds / 86_400_000, millisecond = milliseconds % 86_400_000
        if millisecond < 0 { (day, millisecond) = (day - 1, millisecond + 86_400_000) }
        let (year, month, dayOfMonth) = civil(daysSinceEpoch: day)
        let second = millisecond / 1000
        var bytes = Array("0000-00-00 00:00:00.000".utf8)
        func put(_ value: Int64, at start: Int, width: Int) {
            var rest = value
            for index in (start..<(start + width)).reversed() {
                bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
        }
        put(year, at: 0, width: 4)
        put(month, at: 5, width: 2)
        put(dayOfMonth, at: 8, width: 2)
        put(second / 3600, at: 11, width: 2)
        put(second / 60 % 60, at: 14, width: 2)
        put(second % 60, at: 17, width: 2)
        put(millisecond % 1000, at: 20, width: 3)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Year, month and day of the proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`).
    private static func civil(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
