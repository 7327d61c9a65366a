import Foundation

/// The one-time setup token as stored: its SHA-256 and when it stops working, as `HASH EXPIRY` (Unix seconds).
struct SetupToken: Equatable {
    var hash: String
    var expires: Date

    /// `expires` is kept to the second, as it is stored.
    init(hash: String, expires: Date) {
        self.hash = hash
        self.expires = Date(timeIntervalSince1970: expires.timeIntervalSince1970.rounded(.down))
    }

    /// Nil when the stored text is not of this form: such a token never works (a token stored by an older version
    /// had no expiry; a new one is issued at the next start).
    init?(stored: String) {
        let parts = stored.split(separator: " ")
        guard parts.count == 2, parts[0].count == 64, let seconds = TimeInterval(parts[1]) else { return nil }
        hash = String(parts[0])
        expires = Date(timeIntervalSince1970: seconds)
    }

    var stored: String { "\(hash) \(Int(expires.timeIntervalSince1970))" }
}
