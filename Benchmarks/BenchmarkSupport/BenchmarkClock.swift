import Foundation

/// The monotonic clock in nanoseconds, read directly: cheap enough to time one decision at a time.
public func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
