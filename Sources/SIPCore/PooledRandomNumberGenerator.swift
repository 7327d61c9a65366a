#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The kernel's random numbers read 4 KiB at a time from `/dev/urandom`, for what goes on the wire with every request
/// (tags, branches, nonces), which would otherwise cost a `getrandom` system call each. Each value is still the
/// kernel CSPRNG's and is handed out once; without `/dev/urandom` (a bare chroot) it falls back to
/// `SystemRandomNumberGenerator`, one call per value. Keys and secrets keep using `SystemRandomNumberGenerator`, so
/// that none waits in this pool's memory.
public struct PooledRandomNumberGenerator: RandomNumberGenerator, Sendable {
    private struct Pool {
        var words = [UInt64](repeating: 0, count: 512)
        var used = 512
        #if canImport(Glibc)
        let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        #endif

        mutating func next() -> UInt64 {
            if used == words.count { refill() }
            defer { used += 1 }
            return words[used]
        }

        private mutating func refill() {
            let filled = words.withUnsafeMutableBytes { bytes in
                #if canImport(Glibc)
                var count = 0
                while device >= 0, count < bytes.count {
                    let read = Glibc.read(device, bytes.baseAddress! + count, bytes.count - count)
                    guard read > 0 || (read < 0 && errno == EINTR) else { break }
                    count += max(read, 0)
                }
                return count == bytes.count
                #else
                return false
                #endif
            }
            if !filled {
                var system = SystemRandomNumberGenerator()
                for index in words.indices { words[index] = system.next() }
            }
            used = 0
        }
    }

    private static let pool = Mutex(Pool())

    public init() {}

    public func next() -> UInt64 {
        Self.pool.withLock { $0.next() }
    }
}
