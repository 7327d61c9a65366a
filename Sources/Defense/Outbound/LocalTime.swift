import Foundation

/// A moment as a wall clock in one time zone shows it: date, weekday and minute of the day. Computed with integer
/// arithmetic from the zone's offset (days-from-civil, H. Hinnant), so a policy decision needs no Calendar.
public struct LocalTime: Sendable, Equatable {
    public let year: Int
    public let month: Int
    public let day: Int
    /// 0 = Sunday ... 6 = Saturday.
    public let weekday: Int
    public let minute: Int

    public init(_ date: Date, in zone: TimeZone) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: date)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        minute = (seconds - days * 86_400) / 60
        weekday = ((days % 7) + 11) % 7
        let era = (days + 719_468 >= 0 ? days + 719_468 : days + 719_468 - 146_096) / 146_097
        let dayOfEra = days + 719_468 - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
