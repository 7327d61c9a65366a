import Foundation
import Model

/// Named opening hours in one time zone: time ranges per weekday (several ranges leave breaks between them). A
/// weekday left out is closed all day, and holidays close every condition. The one named `business-hours` is what
/// the extension flag "disable outbound calls outside business hours" refers to; routes may name any.
public struct TimeCondition: StrictCodable {
    public static let businessHours = "business-hours"

    public var name: String
    /// An IANA zone such as `Europe/London`.
    public var timeZone: String
    /// Weekday name to ranges `HH:MM-HH:MM` (end exclusive, `24:00` for midnight).
    public var days: [String: [String]]

    /// A condition every value must name; open no day until `days` says otherwise.
    public init() {
        self.init(name: "", days: [:])
    }

    public init(name: String, timeZone: String = "UTC", days: [String: [String]]) {
        self.name = name
        self.timeZone = timeZone
        self.days = days
    }

    /// Monday to Friday 09:00-18:00 UTC: the default business hours, meant to be adjusted.
    public static let defaultBusinessHours = TimeCondition(
        name: businessHours, timeZone: "UTC",
        days: Dictionary(uniqueKeysWithValues: ["monday", "tuesday", "wednesday", "thursday", "friday"].map { ($0, ["09:00-18:00"]) }))

    public static let fields: [StrictField<TimeCondition>] = [.required("name", \.name), .init("timeZone", \.timeZone), .init("days", \.days)]

    /// Weekdays in week order, so an exported file reads (and compares) the same every time.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        try container.encode(name, forKey: AnyCodingKey(stringValue: "name"))
        try container.encode(timeZone, forKey: AnyCodingKey(stringValue: "timeZone"))
        var week = container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: AnyCodingKey(stringValue: "days"))
        let order = Weekday.allCases.map(\.rawValue)
        for day in days.keys.sorted(by: { (order.firstIndex(of: $0) ?? 7, $0) < (order.firstIndex(of: $1) ?? 7, $1) }) {
            try week.encode(days[day], forKey: AnyCodingKey(stringValue: day))
        }
    }

    /// The compiled hours, or every problem found.
    public func compiled(holidays: [HolidayRule]) -> Result<OpeningHours, OutboundPolicyError> {
        var problems: [String] = []
        let zone = TimeZone(identifier: timeZone)
        if zone == nil { problems.append("time condition '\(name)': unknown time zone '\(timeZone.prefix(60))'") }
        var week = [[ClosedRange<Int>]](repeating: [], count: 7)
        for (dayName, ranges) in days {
            guard let day = Weekday(rawValue: dayName.lowercased()) else {
                problems.append("time condition '\(name)': '\(dayName.prefix(20))' is not a weekday (monday ... sunday)")
                continue
            }
            for text in ranges {
                guard let range = TimeCondition.minutes(text) else {
                    problems.append("time condition '\(name)': \(dayName) '\(text.prefix(20))' must be HH:MM-HH:MM with the end after the start")
                    continue
                }
                if week[day.number].contains(where: { $0.overlaps(range) }) {
                    problems.append("time condition '\(name)': \(dayName) ranges overlap at '\(text)'")
                }
                week[day.number].append(range)
            }
        }
        guard problems.isEmpty, let zone else { return .failure(OutboundPolicyError(problems.joined(separator: "; "))) }
        return .success(OpeningHours(zone: zone, week: week, holidays: holidays))
    }

    /// `09:00-17:30` as minutes [540, 1049].
    static func minutes(_ text: String) -> ClosedRange<Int>? {
        let ends = text.split(separator: "-")
        func minute(_ part: Substring) -> Int? {
            let hm = part.trimmingCharacters(in: .whitespaces).split(separator: ":")
            guard hm.count == 2, hm[0].count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0...59).contains(m),
                  h < 24 || m == 0 else { return nil }
            return h * 60 + m
        }
        guard ends.count == 2, let start = minute(ends[0]), let end = minute(ends[1]), end > start else { return nil }
        return start...(end - 1)
    }
}

/// A time condition ready for decisions: open at a moment when its weekday has a range holding the local minute
/// and no holiday covers the local date.
public struct OpeningHours: Sendable {
    let zone: TimeZone
    let week: [[ClosedRange<Int>]]
    let holidays: [HolidayRule]

    public func isOpen(at date: Date) -> Bool {
        let local = LocalTime(date, in: zone)
        guard week[local.weekday].contains(where: { $0.contains(local.minute) }) else { return false }
        return !holidays.contains { $0.covers(local) }
    }
}
