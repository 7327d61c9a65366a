import Crypto
import Foundation
import Synchronization

/// Password logins waiting for their second factor: the password step passed, the browser holds a random ticket
/// (never the password), and the code step redeems it. Bounded in count and time, a ticket tried too often is gone.
final class PendingLogins: Sendable {
    struct Pending: Sendable {
        let username: String
        let password: String
        let expiresAt: Date
        var attempts: Int
    }

    static let lifetime: TimeInterval = 300
    static let capacity = 1_000
    static let attempts = 3

    private let table = Mutex<[String: Pending]>([:])

    /// A ticket for the browser to return with the code.
    func park(username: String, password: String, now: Date = Date()) -> String {
        let ticket = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        table.withLock { table in
            table = table.filter { $0.value.expiresAt > now }
            if table.count >= PendingLogins.capacity, let oldest = table.min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
                table[oldest.key] = nil
            }
            table[PendingLogins.key(ticket)] = Pending(username: username, password: password,
                                                      expiresAt: now.addingTimeInterval(PendingLogins.lifetime), attempts: 0)
        }
        return ticket
    }

    /// The credentials behind `ticket` for one more try, nil when unknown, expired or tried too often.
    func attempt(_ ticket: String, now: Date = Date()) -> Pending? {
        table.withLock { table in
            let key = PendingLogins.key(ticket)
            guard var pending = table[key], pending.expiresAt > now, pending.attempts < PendingLogins.attempts else {
                table[key] = nil
                return nil
            }
            pending.attempts += 1
            table[key] = pending
            return pending
        }
    }

    func finish(_ ticket: String) {
        _ = table.withLock { $0.removeValue(forKey: PendingLogins.key(ticket)) }
    }

    var count: Int { table.withLock { $0.count } }

    private static func key(_ ticket: String) -> String {
        SHA256.hash(data: Data(ticket.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
