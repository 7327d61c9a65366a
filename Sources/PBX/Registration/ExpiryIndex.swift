import Foundation

/// Which keys may have fallen due by a given time, without looking at the others: each key sits in the bucket of the
/// whole second at or after the time it was filed for. The location sweep runs every second under the lock that each
/// REGISTER takes; scanning every binding there made its cost, and the REGISTERs' wait, grow with the number of phones.
/// A key is filed no later than it falls due, and never moved later: a refresh (every REGISTER) costs one lookup, and
/// the sweep re-files an AOR it took too early.
struct ExpiryIndex<Key: Hashable & Sendable>: Sendable {
    private var buckets: [Int64: Set<Key>] = [:]
    private var seconds: [Key: Int64] = [:]
    /// Every bucket before this second has been taken.
    private var nextSecond = Int64.min

    var count: Int { seconds.count }

    /// Makes `key` fall due no later than `date`: filed where it is when that is as early, moved otherwise; nil takes
    /// it out. A date already swept is due at the next sweep.
    mutating func file(_ key: Key, dueBy date: Date?) {
        let second = date.map { max(Self.wholeSecond($0.timeIntervalSince1970.rounded(.up)), nextSecond) }
        if let old = seconds[key] {
            if let second, old <= second { return }
            seconds[key] = nil
            buckets[old]?.remove(key)
            if buckets[old]?.isEmpty == true { buckets[old] = nil }
        }
        guard let second else { return }
        seconds[key] = second
        buckets[second, default: []].insert(key)
    }

    /// Takes out and returns every key due at or before `now` (to the whole second below it). The cost is the
    /// number of seconds since the last call or of buckets, whichever is fewer, plus the keys returned.
    mutating func takeDue(through now: Date) -> [Key] {
        let through = Self.wholeSecond(now.timeIntervalSince1970.rounded(.down))
        guard through >= nextSecond else { return [] }
        let (span, overflow) = through.subtractingReportingOverflow(nextSecond)
        let due: [Int64] = !overflow && span < Int64(buckets.count)
            ? (nextSecond...through).filter { buckets[$0] != nil }
            : buckets.keys.filter { $0 <= through }
        nextSecond = through + 1
        var keys: [Key] = []
        for second in due {
            for key in buckets.removeValue(forKey: second) ?? [] {
                seconds[key] = nil
                keys.append(key)
            }
        }
        return keys
    }

    /// A whole number of seconds as an integer; an absurd date (a broken clock) is held to the ends, never a trap.
    private static func wholeSecond(_ value: TimeInterval) -> Int64 {
        value.isNaN ? Int64(9e18) : Int64(Swift.min(Swift.max(value, -9e18), 9e18))
    }
}
