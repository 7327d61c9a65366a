import Backup
import Foundation
import Hummingbird
import Model
import Prometheus

/// Health, metrics, the OpenAPI document, setup, tokens, the configuration file, the event log, its catalogue and
/// retention, notification contacts and call records.
extension AdminRoutes {
    func addSystem(_ service: AdminService, registry: PrometheusCollectorRegistry) {
        on(Endpoints.health, status: { $0.status == "ok" ? .ok : .serviceUnavailable }) { _ in service.live.health }
        on(Endpoints.metrics) { _ in String(decoding: registry.emitToBuffer(), as: UTF8.self) }
        on(Endpoints.setup) { call in try await service.setup(call.body) }
        on(Endpoints.exportConfiguration) { call in try await service.exportConfiguration(secrets: call.flag("secrets")) }
        on(Endpoints.applyConfiguration) { call in
            try await service.applyConfiguration(yaml: call.body, file: call.request.uri.queryParameters.get("file") ?? "config.yaml",
                                                 caller: call.context.remoteAddress, callerPort: call.context.localPort, force: call.flag("force"))
        }
        on(Endpoints.events, alternative: { request, answer in
            guard request.uri.queryParameters.get("format") == "csv" else { return nil }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"events.csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: EventView.csv(answer.items))))
        }) { call in ListResponse(items: try await service.events(try call.query.events())) }
        on(Endpoints.markEventsRead) { call in try await service.markEvents(read: true, call.body) }
        on(Endpoints.markEventsUnread) { call in try await service.markEvents(read: false, call.body) }
        on(Endpoints.eventCatalogue) { _ in ListResponse(items: try await service.eventCatalogue()) }
        on(Endpoints.changeEvent) { call in try await service.changeEvent(try call.parameter("name"), call.body) }
        on(Endpoints.eventRetention) { _ in try await service.eventRetention() }
        on(Endpoints.updateEventRetention) { call in try await service.updateEventRetention(call.body) }
        on(Endpoints.cluster) { _ in try await service.clusterStatus() }
        on(Endpoints.ssh) { _ in try await service.sshOverview() }
        on(Endpoints.changeSSH) { call in try await service.changeSSH(call.body) }
        on(Endpoints.sshKeys) { call in try await service.sshKeys(of: call.request.uri.queryParameters.get("user")) }
        on(Endpoints.addSSHKey) { call in try await service.addSSHKey(call.body) }
        on(Endpoints.removeSSHKey) { call in try await service.removeSSHKey(try call.parameter("fingerprint")) }
        on(Endpoints.checkForUpdate) { _ in try await service.checkForUpdate() }
        on(Endpoints.update) { _ in try await service.updateOverview() }
        on(Endpoints.changeUpdateSettings) { call in try await service.changeUpdateSettings(call.body) }
        on(Endpoints.backups) { _ in try await service.backupOverview() }
        on(Endpoints.createBackup) { call in try await service.createBackup(call.body) }
        on(Endpoints.downloadBackup, alternative: { _, file in
            guard let handle = FileHandle(forReadingAtPath: file.path) else { return nil }
            let chunks = AsyncStream<ByteBuffer> {
                guard let piece = try? handle.read(upToCount: 1 << 20), !piece.isEmpty else {
                    try? handle.close()
                    return nil
                }
                return ByteBuffer(bytes: piece)
            }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"\(file.name)\""],
                            body: ResponseBody(asyncSequence: chunks))
        }) { call in try await service.backupFile(named: try call.parameter("name")) }
        on(Endpoints.restoreBackup) { call in try await service.restoreBackup(call.body) }
        on(Endpoints.updateBackupSchedule) { call in try await service.updateBackupSchedule(call.body) }
        on(Endpoints.notifications) { _ in try await service.notificationContacts() }
        on(Endpoints.addNotificationContact) { call in try await service.addNotificationContact(call.body) }
        on(Endpoints.removeNotificationContact) { call in try await service.removeNotificationContact(try call.parameter("name")) }
        on(Endpoints.testNotificationContact) { call in try await service.testNotificationContact(try call.parameter("name")) }
        on(Endpoints.updateNotificationOptions) { call in try await service.updateNotificationOptions(call.body) }
        on(Endpoints.callRecords, alternative: { request, answer in
            guard request.uri.queryParameters.get("format") == "csv" else { return nil }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"calls.csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: CallDetailRecord.csv(answer.items))))
        }) { call in
            ListResponse(items: try await service.callRecords(try call.query.calls()).filter { call.covers($0.caller) || call.covers($0.callee) })
        }
    }
}
