import Foundation
import Model

/// The `backup:` section: where backups are kept and the schedule. The schedule's passphrase is stored sealed
/// (a scheduled backup must run unattended) and never shown.
public struct BackupSettings: StoredSettings {
    public static let storeKey = "backup.settings"

    public enum Frequency: String, StrictChoice { case off, daily, weekly }
    public enum Weekday: String, StrictChoice, CaseIterable {
        case sunday, monday, tuesday, wednesday, thursday, friday, saturday
    }

    /// An absolute directory (a mounted share is fine); nil: `backups` in the data directory.
    public var directory: String?
    public var frequency = Frequency.off
    /// For weekly backups.
    public var day = Weekday.sunday
    /// `HH:MM`, in `timeZone`.
    public var time = "02:00"
    public var timeZone = "UTC"
    /// Scheduled backups kept; older ones are removed after each new one.
    public var keep = 7
    public var include: [BackupPart] = []
    /// Sealed in the store; nil in answers (see `passphraseSet`).
    public var passphrase: String?

    public init() {}

    public static let fields: [StrictField<BackupSettings>] = [
        .init("directory", \.directory), .init("frequency", \.frequency), .init("day", \.day), .init("time", \.time),
        .init("timeZone", \.timeZone), .init("keep", \.keep), .init("include", \.include), .init("passphrase", \.passphrase),
    ]

    public var problems: [String] {
        var problems: [String] = []
        if let directory, !directory.hasPrefix("/") || directory.count > 1_024 { problems.append("backup.directory: must be an absolute path") }
        if BackupSchedule.minutes(time) == nil { problems.append("backup.time: must be HH:MM, e.g. 02:30") }
        if TimeZone(identifier: timeZone) == nil { problems.append("backup.timeZone: must be a zone such as Europe/London or UTC") }
        problems.check(keep, 1...365, "backup.keep")
        if frequency != .off && passphrase == nil { problems.append("backup.passphrase: a schedule needs a passphrase (--passphrase-file)") }
        return problems
    }

    public func directory(in dataDirectory: String) -> String { directory ?? (dataDirectory as NSString).appendingPathComponent("backups") }
}

/// When the next scheduled backup is due: pure, so it is tested with any clock.
public enum BackupSchedule {
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        return hour * 60 + minute
    }

    /// The first time after `now` the settings name; nil when off.
    public static func next(after now: Date, _ settings: BackupSettings) -> Date? {
        guard settings.frequency != .off, let minutes = minutes(settings.time), let zone = TimeZone(identifier: settings.timeZone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var components = DateComponents()
        components.hour = minutes / 60
        components.minute = minutes % 60
        components.second = 0
        if settings.frequency == .weekly { components.weekday = BackupSettings.Weekday.allCases.firstIndex(of: settings.day)! + 1 }
        return calendar.nextDate(after: now, matching: components, matchingPolicy: .nextTime)
    }
}
