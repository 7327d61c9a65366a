import Foundation
import Model

/// The `backup:` section: where backups are kept and the schedule. The schedule's passphrase is stored sealed
/// (a scheduled backup must run unattended) and never shown.
public struct BackupSettings: StoredSettings {
    public static let storeKey = "backup.settings"

    public enum Frequency: String, StrictChoice { case off, daily, weekly }
    public typealias Weekday = ClockTime.Weekday

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
        problems += ClockTime.problems(time: time, timeZone: timeZone, section: "backup")
        problems.check(keep, 1...365, "backup.keep")
        if frequency != .off && passphrase == nil { problems.append("backup.passphrase: a schedule needs a passphrase (--passphrase-file)") }
        return problems
    }

    public func directory(in dataDirectory: String) -> String { directory ?? (dataDirectory as NSString).appendingPathComponent("backups") }
}

/// When the next scheduled backup is due: pure, so it is tested with any clock.
public enum BackupSchedule {
    /// The first time after `now` the settings name; nil when off.
    public static func next(after now: Date, _ settings: BackupSettings) -> Date? {
        guard settings.frequency != .off else { return nil }
        return ClockTime.next(after: now, time: settings.time, day: settings.frequency == .weekly ? settings.day : nil, timeZone: settings.timeZone)
    }
}
