import Foundation
import Logging
import ServiceLifecycle

/// Watches the machine for the system events CPU Overload (over 90 % for 10 s), Memory Overload (over 90 % for
/// 30 s) and Insufficient Storage (the data directory's disk over 90 %), sampling Linux's `/proc` and `statvfs`
/// every `period`. What it cannot read it skips (logged once), never raising an event it cannot back.
public struct ResourceMonitor: Service {
    private let bus: EventBus
    private let dataPath: String
    private let period: Duration
    private let logger: Logger

    public init(bus: EventBus, dataPath: String, period: Duration = .seconds(2), logger: Logger) {
        self.bus = bus
        self.dataPath = dataPath
        self.period = period
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await watch() }
    }

    private func watch() async {
        var cpu = OverloadWatch(sustain: 10)
        var memory = OverloadWatch(sustain: 30)
        var storage = OverloadWatch(sustain: 0)
        var previous = ResourceMonitor.cpuTimes()
        var warned = false
        while (try? await Task.sleep(for: period)) != nil {
            let now = Date()
            let current = ResourceMonitor.cpuTimes()
            if let before = previous, let after = current, after.total > before.total {
                let busy = Double(after.busy - before.busy) / Double(after.total - before.total)
                if cpu.sample(busy, at: now) {
                    bus.publish(PortcullisEvent(EventCatalogue.cpuOverload, fields: ["usage": ResourceMonitor.percent(busy), "duration": "10s"]))
                }
            }
            previous = current
            if let used = ResourceMonitor.memoryUsed(), memory.sample(used, at: now) {
                bus.publish(PortcullisEvent(EventCatalogue.memoryOverload, fields: ["usage": ResourceMonitor.percent(used)]))
            }
            if let full = ResourceMonitor.diskUsed(dataPath), storage.sample(full, at: now) {
                bus.publish(PortcullisEvent(EventCatalogue.insufficientStorage, fields: ["usage": ResourceMonitor.percent(full), "path": dataPath]))
            }
            if (current == nil || ResourceMonitor.memoryUsed() == nil) && !warned {
                warned = true
                logger.warning("CPU or memory use cannot be read from /proc: those overload events are not raised")
            }
        }
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }

    /// Jiffies busy and in all, from the first line of `/proc/stat` (idle and iowait count as not busy).
    static func cpuTimes(_ text: String? = try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) -> (busy: UInt64, total: UInt64)? {
        guard let line = text?.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard values.count >= 5 else { return nil }
        let total = values.prefix(8).reduce(0, +)
        return (total - values[3] - values[4], total)
    }

    /// The share of memory in use: 1 - MemAvailable / MemTotal from `/proc/meminfo`.
    static func memoryUsed(_ text: String? = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) -> Double? {
        var values: [String: Double] = [:]
        for line in text?.split(separator: "\n") ?? [] {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let value = Double(parts[1]) { values[String(parts[0].dropLast())] = value }
        }
        guard let total = values["MemTotal"], total > 0, let available = values["MemAvailable"] else { return nil }
        return 1 - available / total
    }

    /// The share of the disk holding `path` that is used, as `df` counts it (blocks for unprivileged users).
    static func diskUsed(_ path: String) -> Double? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0, stats.f_blocks > 0 else { return nil }
        let used = Double(stats.f_blocks - stats.f_bfree)
        let usable = used + Double(stats.f_bavail)
        return usable > 0 ? used / usable : nil
    }
}
