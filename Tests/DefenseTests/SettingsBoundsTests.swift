import Defense
import Testing

/// A bound that follows another field stays a valid range whatever that field holds: hostile input gets problems,
/// never a trap (a range whose lower bound is above its upper one would end the server).
@Suite struct SettingsBoundsTests {
    @Test func aLowerBoundTakenFromAnOutOfRangeFieldIsAProblemNotATrap() {
        var lockout = RegistrationLockoutSettings()
        lockout.failuresPerSource = 50_000
        #expect(lockout.problems.contains { $0.contains("failuresPerSource") })
        var login = LoginDefenseSettings()
        login.failuresBeforeRefusal = 50_000
        #expect(login.problems.contains { $0.contains("failuresBeforeRefusal") })
    }
}
