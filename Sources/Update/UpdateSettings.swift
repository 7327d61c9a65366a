import Crypto
import Foundation
import Model

/// The `update:` section: whether and when to look for a new release, where, and whose signature to trust.
public struct UpdateSettings: StoredSettings {
    public static let storeKey = "update.settings"
    /// The release managers' Ed25519 public key (raw, base64). Its private half is not in this repository.
    public static let releaseKey = "WpM/3TiSKur6Fje48+/UdPN9vZL6NEFDPU7T2i9A2+0="

    public enum Mode: String, StrictChoice {
        /// Never contact the feed.
        case never
        /// Check on the schedule and raise "New Version Detected"; never install.
        case notify
    }

    public var mode = Mode.notify
    public var feed = "https://updates.portcullis.dev/feed.json"
    /// Another Ed25519 public key (raw, base64) instead of the built-in one.
    public var publicKey: String?
    /// A PEM file of the CA that signed the feed's certificate, instead of the system's trust store.
    public var caFile: String?
    public var frequency = Frequency.weekly
    public var day = Weekday.monday
    public var time = "03:00"
    public var timeZone = "UTC"

    public enum Frequency: String, StrictChoice { case daily, weekly }
    public typealias Weekday = ClockTime.Weekday

    public init() {}

    public static let fields: [StrictField<UpdateSettings>] = [
        .init("mode", \.mode), .init("feed", \.feed), .init("publicKey", \.publicKey), .init("caFile", \.caFile), .init("frequency", \.frequency),
        .init("day", \.day), .init("time", \.time), .init("timeZone", \.timeZone),
    ]

    /// The key manifests must be signed with.
    public var key: Curve25519.Signing.PublicKey? {
        Data(base64Encoded: publicKey ?? UpdateSettings.releaseKey).flatMap { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }
    }

    /// When the next check is due; nil when checks are off.
    public func next(after now: Date) -> Date? {
        mode == .never ? nil : ClockTime.next(after: now, time: time, day: frequency == .weekly ? day : nil, timeZone: timeZone)
    }

    public var problems: [String] {
        var problems: [String] = []
        if let url = URL(string: feed), url.scheme == "https", url.host != nil, feed.count <= 2_048 {} else {
            problems.append("update.feed: must be an https:// address")
        }
        if key == nil { problems.append("update.publicKey: must be a raw Ed25519 public key in base64 (32 bytes)") }
        if let caFile, !caFile.hasPrefix("/") { problems.append("update.caFile: must be an absolute path") }
        problems += ClockTime.problems(time: time, timeZone: timeZone, section: "update")
        return problems
    }
}
