#if canImport(Glibc)
import Defense
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time for the guard, in nanoseconds since 1970. The coarse clock (a few ms resolution, no syscall)
/// is plenty for windows of a second or more and keeps the per-packet cost down.
enum NetworkClock {
    static func now() -> Int64 {
        var time = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_REALTIME_COARSE, &time)
        #else
        clock_gettime(CLOCK_REALTIME, &time)
        #endif
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
