#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Runs the event loops (SIP signalling, the admin API) and the media relay's threads ahead of the process's other
/// threads: store writes, the event log and notifications run on worker threads, and on a busy core a batch of
/// binding or event writes otherwise holds a registration's answer for milliseconds (`perf sched` showed a worker running 1.7 ms
/// while answers waited). Raising a thread needs CAP_SYS_NICE (root, or `AmbientCapabilities=CAP_SYS_NICE` in a
/// systemd unit); without it the loops keep the normal priority and the server runs as before. Threads a raised loop
/// starts begin at normal priority again (`SCHED_RESET_ON_FORK`), so background work it spawns is not raised with it.
public enum EventLoopPriority {
    /// The loops' nice value: ahead of normal threads (0) by a weight of about 9 to 1, not real-time, so a flooded
    /// loop still leaves the CPU to the rest of the process.
    public static let niceness: Int32 = -10

    public enum Outcome: Equatable, Sendable {
        case raised
        /// The system refused (no CAP_SYS_NICE), with its reason.
        case refused(String)
        case unsupported
    }

    /// Raises the thread of every loop to `niceness`; answers one outcome per loop.
    public static func raise(_ loops: [any EventLoop], to niceness: Int32 = niceness) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for loop in loops {
            outcomes.append((try? await loop.submit { raiseCurrentThread(to: niceness) }.get()) ?? .refused("loop shut down"))
        }
        return outcomes
    }

    /// The calling thread's nice value (Linux keeps one per thread; `PRIO_PROCESS` with 0 names the calling thread).
    public static func currentThreadNiceness() -> Int32? {
        #if os(Linux)
        errno = 0
        let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        return errno == 0 ? value : nil
        #else
        return nil
        #endif
    }

    /// `SCHED_RESET_ON_FORK` (Linux's uapi `sched.h`); Glibc's module leaves it out with the other GNU extensions.
    private static let resetOnFork: Int32 = 0x4000_0000

    /// Raises the calling thread (a thread of the media relay, say) to `niceness`.
    public static func raiseCurrentThread(to niceness: Int32 = niceness) -> Outcome {
        #if os(Linux)
        var parameter = sched_param(sched_priority: 0)
        guard sched_setscheduler(0, SCHED_OTHER | resetOnFork, &parameter) == 0,
              setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) == 0 else {
            return .refused(String(cString: strerror(errno)))
        }
        return .raised
        #else
        return .unsupported
        #endif
    }
}
