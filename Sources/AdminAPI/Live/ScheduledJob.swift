import Backup
import Foundation
import Logging
import ServiceLifecycle
import Update

/// Runs a job at the times its settings name (a scheduled backup, an update check). The settings are read again
/// every minute, so a change applies without a restart; a failed run has raised its own event, and the next one
/// is tried at its time.
public struct ScheduledJob: Service {
    private let name: String
    private let next: @Sendable (Date) async -> Date?
    private let job: @Sendable () async throws -> Void
    private let logger: Logger

    /// `next`: the first time after the given one the job is due (nil: not scheduled).
    public init(_ name: String, logger: Logger, next: @escaping @Sendable (Date) async -> Date?, run job: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.next = next
        self.job = job
        self.logger = logger
    }

    public func run() async {
        await cancelWhenGracefulShutdown {
            var due: Date?
            while (try? await Task.sleep(for: .seconds(due.map { min(60, max(1, $0.timeIntervalSinceNow)) } ?? 60))) != nil {
                if let previous = due, previous <= Date() {
                    do {
                        try await job()
                        logger.info("scheduled job done", metadata: ["job": "\(name)"])
                    } catch {
                        logger.error("scheduled job failed", metadata: ["job": "\(name)", "error": "\(error)"])
                    }
                }
                due = await next(Date())
            }
        }
    }
}

extension AdminService {
    /// The scheduled backups and update checks of a running server.
    public func scheduledJobs(logger: Logger) -> [ScheduledJob] {
        [
            ScheduledJob("backup", logger: logger, next: { now in (try? await settings(BackupSettings.self)).flatMap { BackupSchedule.next(after: now, $0) } },
                         run: { _ = try await runScheduledBackup() }),
            ScheduledJob("update check", logger: logger, next: { now in (try? await settings(UpdateSettings.self))?.next(after: now) },
                         run: { _ = try await checkForUpdate() }),
        ]
    }
}
