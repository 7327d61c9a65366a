import Defense
import DefenseRuntime
import Events
import Foundation
import Model
import PBX
import Storage

/// The registration defense settings (`sip.lockout`, `sip.scanners`) on their own, for the API and CLI: the same
/// validation as `config apply`, stored in the server settings, live at once.
extension AdminService {
    public func registrationDefense() async throws(AdminError) -> RegistrationDefenseSettings {
        let settings = try await settings()
        return RegistrationDefenseSettings(lockout: settings.lockout, scanners: settings.scanners)
    }

    public func updateRegistrationDefense(_ update: RegistrationDefenseSettings) async throws(AdminError) -> RegistrationDefenseSettings {
        let problems = update.lockout.problems + update.scanners.problems
        guard problems.isEmpty else {
            throw AdminError(.invalidInput, "\(problems.count) problem(s), nothing was changed", problems: problems)
        }
        var settings = try await settings()
        settings.lockout = update.lockout
        settings.scanners = update.scanners
        let encoded = String(decoding: (try? JSONEncoder().encode(settings)) ?? Data(), as: UTF8.self)
        try await storeCall { try await store.setSetting(ServerSettings.storeKey, value: encoded) }
        if let runtime {
            runtime.registrationGuard.update(update.lockout, scanners: update.scanners)
            runtime.bus.publish(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "registration defense"]))
        }
        return update
    }
}

/// Body and answer of `GET/PUT /api/v1/registration-defense`.
public struct RegistrationDefenseSettings: Codable, Sendable, Equatable {
    public var lockout: RegistrationLockoutSettings
    public var scanners: ScannerPolicy

    public init(lockout: RegistrationLockoutSettings, scanners: ScannerPolicy) {
        self.lockout = lockout
        self.scanners = scanners
    }
}
