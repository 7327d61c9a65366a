import Events
import Foundation
import Model
import Storage
import Update

/// The update check: run now, and its settings. It only tells; installing is a person's decision.
extension AdminService {
    public func checkForUpdate() async throws(AdminError) -> UpdateChecker.Result {
        let checker = UpdateChecker(store: store) { event in await self.record(event) }
        return try await storeCall { try await checker.check() }
    }

    public func updateOverview() async throws(AdminError) -> UpdateOverview {
        let settings = try await settings(UpdateSettings.self)
        let state = try await self.settings(UpdateState.self)
        return UpdateOverview(running: PortcullisVersion.current, settings: settings, lastCheck: state.lastCheck, lastResult: state.lastResult,
                              nextCheck: settings.next(after: Date()))
    }

    public func changeUpdateSettings(_ update: UpdateSettings) async throws(AdminError) -> UpdateSettings {
        var problems = update.problems
        if let caFile = update.caFile, !FileManager.default.isReadableFile(atPath: caFile) { problems.append("update.caFile: cannot read \(caFile)") }
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        try await storeCall { try await store.save(update) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "update", "mode": update.mode.rawValue]))
        return update
    }
}

/// `GET /api/v1/update`: the running version, the settings, what the last check found and when the next one is.
public struct UpdateOverview: Codable, Sendable {
    public var running: String
    public var settings: UpdateSettings
    public var lastCheck: Date?
    public var lastResult: String?
    public var nextCheck: Date?
}
