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

    public func updateSettings() async throws(AdminError) -> UpdateSettings { try await settings(UpdateSettings.self) }

    public func changeUpdateSettings(_ update: UpdateSettings) async throws(AdminError) -> UpdateSettings {
        var problems = update.problems
        if let caFile = update.caFile, !FileManager.default.isReadableFile(atPath: caFile) { problems.append("update.caFile: cannot read \(caFile)") }
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        try await storeCall { try await store.save(update) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "update", "mode": update.mode.rawValue]))
        return update
    }
}
