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
        let sip = try await settings(SIPSettings.self)
        return RegistrationDefenseSettings(lockout: sip.lockout, scanners: sip.scanners)
    }

    public func updateRegistrationDefense(_ update: RegistrationDefenseSettings) async throws(AdminError) -> RegistrationDefenseSettings {
        let problems = update.lockout.problems.map { "sip.lockout.\($0)" } + update.scanners.problems.map { "sip.scanners.\($0)" }
        guard problems.isEmpty else {
            throw AdminError(.invalidInput, "\(problems.count) problem(s), nothing was changed", problems: problems)
        }
        var sip = try await settings(SIPSettings.self)
        sip.lockout = update.lockout
        sip.scanners = update.scanners
        let changed = sip
        try await storeCall { try await store.save(changed) }
        live.registrationDefenseChanged(update)
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "registration defense"]))
        return update
    }
}

/// Body and answer of `GET/PUT /api/v1/registration-defense`: `sip.lockout` and `sip.scanners`.
public struct RegistrationDefenseSettings: StrictCodable {
    public var lockout = RegistrationLockoutSettings()
    public var scanners = ScannerPolicy()

    public init() {}

    public init(lockout: RegistrationLockoutSettings, scanners: ScannerPolicy) {
        self.lockout = lockout
        self.scanners = scanners
    }

    public static let fields: [StrictField<RegistrationDefenseSettings>] = [.init("lockout", \.lockout), .init("scanners", \.scanners)]
}
