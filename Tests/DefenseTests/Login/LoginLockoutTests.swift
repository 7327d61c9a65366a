import GeoIP
import Model
import Testing
@testable import Defense

struct LoginLockoutTests {
    let guesser = IPAddress("203.0.113.30")!
    let office = IPAddress("198.51.100.31")!

    @Test func fiveFailuresRefuseTheAddressAndTenBlockIt() {
        var lockout = LoginLockout()
        let outcomes = (0..<10).map { lockout.failure(account: "olga", from: guesser, known: true, now: Int64($0)) }
        #expect(outcomes.map(\.refuseSource) == [false, false, false, false, true, false, false, false, false, false])
        #expect(outcomes.map(\.blockSource) == Array(repeating: false, count: 9) + [true])
        #expect(lockout.refusal(account: "olga", from: guesser, now: 10) == .source(account: nil))
        #expect(lockout.refusal(account: "olga", from: office, now: 10) == nil, "another address logs in")
        #expect(lockout.refusal(account: "olga", from: guesser, now: 10 + 600) == nil, "refused for refusalDuration")
    }

    @Test func failuresOutsideTheWindowStartAgain() {
        var lockout = LoginLockout()
        let spread = (0..<10).map { lockout.failure(account: "olga", from: guesser, known: true, now: Int64($0) * 200) }
        #expect(!spread.contains { $0.refuseSource || $0.blockSource })
    }

    @Test func distributedGuessingLocksOnlyTheAccountsPasswordLogin() {
        var lockout = LoginLockout()
        var locked = [LoginLockout.Outcome]()
        for index in 0..<20 {
            let source = IPAddress("192.0.2.\(index + 1)")!
            locked.append(lockout.failure(account: "olga", from: source, known: true, now: Int64(index)))
        }
        #expect(locked.last?.lockAccount == true && locked.dropLast().allSatisfy { !$0.lockAccount && !$0.refuseSource })
        #expect(lockout.refusal(account: "olga", from: office, now: 30) == .account)
        #expect(lockout.refusal(account: "pia", from: office, now: 30) == nil)
        #expect(!lockout.isLocked("olga", now: 30 + 1_800))
        // Names that do not exist are never locked: a flood of invented names cannot lock real accounts out.
        var invented = LoginLockout()
        for index in 0..<30 { _ = invented.failure(account: "ghost", from: IPAddress("192.0.2.\(index + 1)")!, known: false, now: 0) }
        #expect(!invented.isLocked("ghost", now: 1))
    }

    @Test func fiveBadTokensInARowBlockAndAGoodOneEndsTheRun() {
        var lockout = LoginLockout()
        #expect((0..<4).map { lockout.tokenFailure(from: guesser, now: Int64($0)) } == [false, false, false, false])
        lockout.tokenSuccess(from: guesser)
        #expect((0..<5).map { lockout.tokenFailure(from: guesser, now: 10 + Int64($0)) } == [false, false, false, false, true])
    }

    @Test func tablesStayBoundedUnderAFloodOfSources() {
        var lockout = LoginLockout(capacity: 100)
        for index in 0..<10_000 {
            let source = IPAddress("10.0.\(index / 256).\(index % 256)")!
            _ = lockout.failure(account: "user\(index)", from: source, known: false, now: 0)
        }
        // Still counting correctly for a new source after the flood.
        let outcomes = (0..<5).map { lockout.failure(account: "olga", from: guesser, known: true, now: 1 + Int64($0)) }
        #expect(outcomes.last?.refuseSource == true)
    }

    @Test func settingsOutOfRangeAreNamed() {
        var settings = LoginDefenseSettings()
        settings.sessionIdleMinutes = 500
        settings.failuresBeforeBlock = 2
        #expect(settings.problems == ["failuresBeforeBlock: must be 5-10000 (at least failuresBeforeRefusal), got 2",
                                      "sessionIdleMinutes: must be 5-120 minutes, got 500"])
    }
}

struct AccessTests {
    @Test func scopesReadRangesAndListsAndRefuseAnythingElse() {
        let scope = ExtensionScope("100-199, 250")
        #expect(scope?.description == "100-199,250")
        #expect(scope?.contains("150") == true && scope?.contains("250") == true)
        #expect(scope?.contains("200") == false && scope?.contains("15a") == false && scope?.contains("") == false)
        #expect(ExtensionScope("all") == .all && ExtensionScope.all.contains("anything"))
        for bad in ["", "100-", "-5", "199-100", "abc", "1,,2", String(repeating: "1,", count: 101) + "1"] {
            #expect(ExtensionScope(bad) == nil, "\(bad)")
        }
    }

    @Test func aRoleIncludesOnlyWhatItCoversAtLeast() {
        let administrator = Role.administrator
        let operatorRole = Role.builtIn(named: "Operator")!
        let floor = Role(name: "Floor", categories: [.extensionsAndTrunks: .manage], scope: ExtensionScope("100-199")!)
        #expect(Role.superAdministrator.includes(administrator) && !administrator.includes(.superAdministrator))
        #expect(administrator.includes(operatorRole) && administrator.includes(floor) && !operatorRole.includes(administrator))
        #expect(!floor.includes(Role.builtIn(named: "Human Resource")!), "a scoped role does not include the same permission everywhere")
        #expect(floor.covers(extension: "150") && !floor.covers(extension: "250"))
        #expect(!Role.nothing(named: "Gone").meets(.permission(.security, .view)) && !Role.nothing(named: "Gone").covers(extension: "150"))
        #expect(AccessRequirement("Security: manage") == .permission(.security, .manage))
        #expect(AccessRequirement(AccessRequirement.superAdministrator.description) == .superAdministrator)
        #expect(!administrator.meets(.superAdministrator), "managing roles is the Super Administrator's alone")
    }
}
