import Foundation

/// "Daily at HH:MM" or "weekly on DAY at HH:MM" in a time zone, as scheduled backups and update checks are set: when
/// the next one is due, and the words for what is wrong with a setting.
public enum ClockTime {
    public enum Weekday: String, StrictChoice, CaseIterable {
        case sunday, monday, tuesday, wednesday, thursday, friday, saturday
    }

    /// Minutes after midnight for `HH:MM`; nil when it is not a time of day.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        return hour * 60 + minute
    }

    /// The first moment after `now` at `time` in `zone`, on `day` when given (weekly) or any day (daily).
    public static func next(after now: Date, time: String, day: Weekday?, timeZone: String) -> Date? {
        guard let minutes = minutes(time), let zone = TimeZone(identifier: timeZone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var components = DateComponents()
        components.hour = minutes / 60
        components.minute = minutes % 60
        components.second = 0
        if let day { components.weekday = Weekday.allCases.firstIndex(of: day)! + 1 }
        return calendar.nextDate(after: now, matching: components, matchingPolicy: .nextTime)
    }

    /// `DAY HH:MM` ("sunday 02:00") as a weekday and the time as written; nil when it is not a day and one more word.
    public static func weekly(_ text: String) -> (day: Weekday, time: String)? {
        let words = text.split(separator: " ")
        guard words.count == 2, let day = Weekday(rawValue: words[0].lowercased()) else { return nil }
        return (day, String(words[1]))
    }

    /// `SECTION.time` and `SECTION.timeZone` problems.
    public static func problems(time: String, timeZone: String, section: String) -> [String] {
        var problems: [String] = []
        if minutes(time) == nil { problems.append("\(section).time: must be HH:MM, e.g. 02:30") }
        if TimeZone(identifier: timeZone) == nil { problems.append("\(section).timeZone: must be a zone such as Europe/London or UTC") }
        return problems
    }
}
