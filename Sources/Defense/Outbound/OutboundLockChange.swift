/// One change of the outbound locks. What a node stores is the change, applied to the stored locks in one step, not
/// its whole table: two nodes locking two extensions at once keep both locks, where writing whole tables let the last
/// writer drop the other's lock (and with it the stop on a fraud in progress).
public enum OutboundLockChange: Sendable, Equatable {
    case locked(String, OutboundLock)
    case unlocked(String)

    public func apply(to locks: inout [String: OutboundLock]) {
        switch self {
        case .locked(let number, let lock): locks[number] = lock
        case .unlocked(let number): locks[number] = nil
        }
    }
}
