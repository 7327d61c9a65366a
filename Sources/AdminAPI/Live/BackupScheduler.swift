import Backup
import Foundation
import Logging
import ServiceLifecycle

/// Runs the scheduled backup when it is due. The schedule is read again every minute, so a change applies without
/// a restart; a failed backup has already raised "Backup Failed" and the next one is tried at its time.
public struct BackupScheduler: Service {
    private let service: AdminService
    private let logger: Logger

    public init(service: AdminService, logger: Logger) {
        self.service = service
        self.logger = logger
    }

    public func run() async {
        await cancelWhenGracefulShutdown {
            var due: Date?
            while (try? await Task.sleep(for: .seconds(due.map { min(60, max(1, $0.timeIntervalSinceNow)) } ?? 60))) != nil {
                let settings = try? await service.settings(BackupSettings.self)
                if let previous = due, previous <= Date() {
                    do {
                        if let file = try await service.runScheduledBackup() { logger.info("scheduled backup made", metadata: ["file": "\(file.name)"]) }
                    } catch {
                        logger.error("scheduled backup failed", metadata: ["error": "\(error)"])
                    }
                }
                due = settings.flatMap { BackupSchedule.next(after: Date(), $0) }
            }
        }
    }
}
