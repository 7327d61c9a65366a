import GeoIP
import Testing
@testable import Defense

struct RegistrationLockoutTests {
    let office = IPAddress("198.51.100.10")!
    let attacker = IPAddress("203.0.113.66")!

    @Test func theFifthFailureWithinAMinuteBlocksTheSource() {
        var lockout = RegistrationLockout()
        let outcomes = (0..<6).map { lockout.failure(source: attacker, account: "1001", known: true, now: Int64($0 * 5)) }
        #expect(outcomes.map(\.blockSource) == [false, false, false, false, true, false])
        #expect(outcomes.map(\.sourceFailures) == [1, 2, 3, 4, 5, 6])
        // Spread over more than the window, failures start counting again.
        var slow = RegistrationLockout()
        let spread = (0..<10).map { slow.failure(source: attacker, account: "1001", known: true, now: Int64($0 * 20)) }
        #expect(!spread.contains { $0.blockSource })
    }

    @Test func aPairThatRegisteredBeforeGetsTheHigherThresholdAndSuccessResetsIt() {
        var lockout = RegistrationLockout()
        lockout.success(source: office, account: "1001", now: 0)
        let misconfigured = (1...19).map { lockout.failure(source: office, account: "1001", known: true, now: Int64($0)) }
        #expect(misconfigured.allSatisfy { $0.trustedPair && !$0.blockSource })
        lockout.success(source: office, account: "1001", now: 30)
        let again = (1...20).map { lockout.failure(source: office, account: "1001", known: true, now: 30 + Int64($0)) }
        #expect(again.last?.blockSource == true && again.dropLast().allSatisfy { !$0.blockSource })
        // Another account from the same office address is not trusted.
        let other = (1...5).map { lockout.failure(source: office, account: "1002", known: true, now: 60 + Int64($0)) }
        #expect(other.last?.blockSource == true)
    }

    @Test func distributedGuessingLocksTheAccountForStrangersOnly() {
        var lockout = RegistrationLockout()
        lockout.success(source: office, account: "1001", now: 0)
        var locked: [Bool] = []
        for host in 1...25 {
            let source = IPAddress("203.0.113.\(host)")!
            locked.append(lockout.failure(source: source, account: "1001", known: true, now: Int64(host)).lockAccount)
        }
        #expect(locked.firstIndex(of: true) == 19 && locked.filter { $0 }.count == 1)
        #expect(lockout.refuses(account: "1001", from: IPAddress("203.0.113.200")!, now: 30))
        #expect(!lockout.refuses(account: "1001", from: office, now: 30))
        #expect(!lockout.refuses(account: "1002", from: attacker, now: 30))
        #expect(!lockout.refuses(account: "1001", from: IPAddress("203.0.113.200")!, now: 25 + 900))
        // Unknown accounts are never counted or locked.
        let unknown = (1...30).map { lockout.failure(source: IPAddress("192.0.2.\($0)")!, account: "9999", known: false, now: 40) }
        #expect(!unknown.contains { $0.lockAccount } && unknown.allSatisfy { $0.accountFailures == 0 })
    }

    @Test func everyTableIsBounded() {
        var lockout = RegistrationLockout(capacity: 100)
        for host in 0..<5_000 {
            let source = IPAddress.v4(0xC000_0000 | UInt32(host))
            _ = lockout.failure(source: source, account: "1001", known: true, now: 0)
            lockout.success(source: source, account: "100\(host % 7)", now: 0)
        }
        // Still answers, and a fresh source still gets its five tries.
        let fresh = (0..<5).map { _ in lockout.failure(source: attacker, account: nil, known: false, now: 1) }
        #expect(fresh.last?.blockSource == true)
    }
}
