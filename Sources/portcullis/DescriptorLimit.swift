import Foundation

/// The process's open-file limit. Every connection, media socket and database file is a descriptor; at the limit
/// accept fails and parts of the runtime abort, so `serve` raises the soft limit to the hard one at start and keeps
/// the connection caps well below it.
enum DescriptorLimit {
    /// Raises the soft limit to the hard limit and returns the soft limit now in force.
    static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// The share of the limit SIP connections may hold: the rest is for media sockets, the store and the admin API.
    static func connectionBudget(of limit: Int) -> Int { max(1, limit / 4) }
}
