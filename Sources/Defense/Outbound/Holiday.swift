import Foundation
import Model

/// A day the business is closed: one date, the same day every year, or the nth weekday of a month (`week` 1-5,
/// or -1 for the last). Exactly one kind per holiday. Holidays close every time condition for the whole day.
public struct Holiday: StrictCodable {
    public var name: String
    /// `YYYY-MM-DD`.
    public var date: String?
    /// `MM-DD`, every year.
    public var annual: String?
    public var month: Int?
    /// `monday` ... `sunday`.
    public var weekday: String?
    public var week: Int?

    /// A placeholder for decoding: the fields every value must name are read over it.
    public init() {
        self.init(name: "")
    }

    public init(name: String, date: String? = nil, annual: String? = nil, month: Int? = nil, weekday: String? = nil, week: Int? = nil) {
        self.name = name
        self.date = date
        self.annual = annual
        self.month = month
        self.weekday = weekday
        self.week = week
    }

    public static let fields: [StrictField<Holiday>] = [
        .required("name", \.name),
        .init("date", \.date),
        .init("annual", \.annual),
        .init("month", \.month),
        .init("weekday", \.weekday),
        .init("week", \.week),
    ]

    /// The compiled rule, or why there is none.
    public func rule() -> Result<HolidayRule, OutboundPolicyError> {
        let kinds = [date != nil, annual != nil, month != nil || weekday != nil || week != nil].filter { $0 }.count
        guard kinds == 1 else {
            return .failure(OutboundPolicyError("holiday '\(name)': give exactly one of date (YYYY-MM-DD), annual (MM-DD) or month+weekday+week"))
        }
        if let date {
            let parts = date.split(separator: "-").map { Int($0) }
            guard parts.count == 3, let year = parts[0], let month = parts[1], let day = parts[2], (1970...2200).contains(year),
                  (1...12).contains(month), (1...LocalTime.daysIn(month: month, year: year)).contains(day) else {
                return .failure(OutboundPolicyError("holiday '\(name)': date must be a real day as YYYY-MM-DD, got '\(date.prefix(20))'"))
            }
            return .success(.date(year: year, month: month, day: day))
        }
        if let annual {
            let parts = annual.split(separator: "-").map { Int($0) }
            guard parts.count == 2, let month = parts[0], let day = parts[1], (1...12).contains(month),
                  (1...LocalTime.daysIn(month: month, year: 2024)).contains(day) else {
                return .failure(OutboundPolicyError("holiday '\(name)': annual must be MM-DD, got '\(annual.prefix(20))'"))
            }
            return .success(.annual(month: month, day: day))
        }
        guard let month, (1...12).contains(month), let weekday, let day = Weekday(rawValue: weekday.lowercased()), let week,
              (1...5).contains(week) || week == -1 else {
            return .failure(OutboundPolicyError("holiday '\(name)': month 1-12, weekday monday-sunday and week 1-5 or -1 (last) are all needed"))
        }
        return .success(.nthWeekday(month: month, weekday: day.number, week: week))
    }
}

/// A holiday compiled for the decision path.
public enum HolidayRule: Sendable, Equatable {
    case date(year: Int, month: Int, day: Int)
    case annual(month: Int, day: Int)
    /// `weekday` 0 = Sunday; `week` 1-5 or -1 for the last in the month.
    case nthWeekday(month: Int, weekday: Int, week: Int)

    public func covers(_ time: LocalTime) -> Bool {
        switch self {
        case .date(let year, let month, let day): return time.year == year && time.month == month && time.day == day
        case .annual(let month, let day): return time.month == month && time.day == day
        case .nthWeekday(let month, let weekday, let week):
            guard time.month == month, time.weekday == weekday else { return false }
            if week == -1 { return time.day + 7 > LocalTime.daysIn(month: time.month, year: time.year) }
            return (time.day - 1) / 7 + 1 == week
        }
    }

    /// Whether both can name the same day in some year: two definitions of one day are a mistake to point out.
    func overlaps(_ other: HolidayRule) -> Bool {
        switch (self, other) {
        case (.date(let y1, let m1, let d1), .date(let y2, let m2, let d2)): return (y1, m1, d1) == (y2, m2, d2)
        case (.date(_, let m1, let d1), .annual(let m2, let d2)), (.annual(let m2, let d2), .date(_, let m1, let d1)),
             (.annual(let m1, let d1), .annual(let m2, let d2)):
            return (m1, d1) == (m2, d2)
        case (.date(let year, let month, let day), .nthWeekday), (.nthWeekday, .date(let year, let month, let day)):
            let rule = if case .nthWeekday = self { self } else { other }
            return rule.covers(LocalTime.civil(year: year, month: month, day: day))
        case (.annual(let month, let day), .nthWeekday(let m2, _, let week)), (.nthWeekday(let m2, _, let week), .annual(let month, let day)):
            guard month == m2 else { return false }
            // Over 28 years every weekday falls on every date; the nth weekday spans days 7(n-1)+1 ... 7n.
            if week == -1 { return day >= 22 }
            return (7 * (week - 1) + 1...7 * week).contains(day)
        case (.nthWeekday(let m1, let w1, let n1), .nthWeekday(let m2, let w2, let n2)):
            guard m1 == m2, w1 == w2 else { return false }
            return n1 == n2 || (n1 == -1 && n2 >= 4) || (n2 == -1 && n1 >= 4)
        }
    }
}

/// Weekday names as written in configuration.
public enum Weekday: String, Sendable, CaseIterable, Codable {
    case sunday, monday, tuesday, wednesday, thursday, friday, saturday

    var number: Int { Weekday.allCases.firstIndex(of: self)! }
}

extension LocalTime {
    /// Noon UTC of a civil date, for comparing rules against a date.
    static func civil(year: Int, month: Int, day: Int) -> LocalTime {
        var components = DateComponents()
        (components.year, components.month, components.day, components.hour) = (year, month, day, 12)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return LocalTime(calendar.date(from: components)!, in: calendar.timeZone)
    }
}
