import Foundation

/// What the outbound policy remembers between calls: recent calls and wrong PINs per extension, extensions locked
/// for outbound calls, and calls up per trunk. Owned by the call router (one lock); the policy reads it to decide
/// and updates it through these methods. Every table is bounded by the number of extensions and trunks.
public struct OutboundCallState: Sendable {
    /// Outbound attempts per extension (let out, or refused after matching a route), oldest first, at most as many as
    /// the largest frequency limit needs.
    private(set) var recentCalls: [String: [Date]] = [:]
    private(set) var wrongPINs: [String: [Date]] = [:]
    /// Locked extensions and why; kept in the store so a restart keeps them locked.
    public private(set) var locks: [String: OutboundLock] = [:]
    /// Calls up per trunk, by direction.
    public private(set) var trunkCalls: [String: (inbound: Int, outbound: Int)] = [:]

    public init(locks: [String: OutboundLock] = [:]) { self.locks = locks }

    /// Remembers an outbound attempt, keeping the last `keep` (the largest `calls` of the extension's rule).
    public mutating func recordCall(by caller: String, at now: Date, keep: Int) {
        var times = recentCalls[caller] ?? []
        times.append(now)
        if times.count > keep { times.removeFirst(times.count - keep) }
        recentCalls[caller] = times
    }

    /// Counts a wrong PIN; true when it reaches the lockout (`failures` within `minutes`): the count starts again, and
    /// the caller locks the extension.
    public mutating func countWrongPIN(by caller: String, at now: Date, lockout: OutboundPolicySettings.PINLockout) -> Bool {
        var times = (wrongPINs[caller] ?? []).filter { now.timeIntervalSince($0) < Double(lockout.minutes * 60) }
        times.append(now)
        if times.count > lockout.failures { times.removeFirst(times.count - lockout.failures) }
        let reached = times.count >= lockout.failures
        wrongPINs[caller] = reached ? nil : times
        return reached
    }

    public mutating func lock(_ caller: String, reason: String, at now: Date) {
        locks[caller] = OutboundLock(reason: reason, since: now)
    }

    /// Lifts a lock and forgets the extension's recent calls and wrong PINs; false when it was not locked.
    public mutating func unlock(_ caller: String) -> Bool {
        recentCalls[caller] = nil
        wrongPINs[caller] = nil
        return locks.removeValue(forKey: caller) != nil
    }

    public mutating func trunkCallStarted(_ trunk: String, outbound: Bool) {
        var load = trunkCalls[trunk] ?? (0, 0)
        if outbound { load.outbound += 1 } else { load.inbound += 1 }
        trunkCalls[trunk] = load
    }

    public mutating func trunkCallEnded(_ trunk: String, outbound: Bool) {
        guard var load = trunkCalls[trunk] else { return }
        if outbound { load.outbound = max(0, load.outbound - 1) } else { load.inbound = max(0, load.inbound - 1) }
        trunkCalls[trunk] = load.inbound == 0 && load.outbound == 0 ? nil : load
    }

}

/// An extension's outbound calls locked by the policy (call frequency or wrong PINs) until an administrator unlocks it.
public struct OutboundLock: Sendable, Equatable, Codable {
    public var reason: String
    public var since: Date

    public init(reason: String, since: Date) {
        self.reason = reason
        self.since = since
    }
}
