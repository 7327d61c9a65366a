import Model

/// When failed registrations lock a source or an account out. Defaults beat fail2ban's asterisk jail (10 failures):
/// 5 failures within 60 s from one address block it (escalating like automatic network blocks); an (address,
/// account) pair that registered before gets 20, so one misconfigured phone behind an office NAT does not lock the
/// office out; 20 failures against one account from anywhere within 10 minutes lock it for 15 minutes for every
/// address that never registered it.
public struct RegistrationLockoutSettings: StrictCodable {
    public var failuresPerSource = 5
    public var failuresPerTrustedPair = 20
    /// Seconds over which source and pair failures are counted.
    public var window = 60
    public var failuresPerAccount = 20
    public var accountWindow = 600
    public var accountLockDuration = 900
    /// Seconds of the first block of a source; repeat offenders escalate like automatic network blocks.
    public var blockDuration = 600

    public init() {}

    public static let fields: [StrictField<RegistrationLockoutSettings>] = [
        .init("failuresPerSource", \.failuresPerSource), .init("failuresPerTrustedPair", \.failuresPerTrustedPair), .init("window", \.window),
        .init("failuresPerAccount", \.failuresPerAccount), .init("accountWindow", \.accountWindow),
        .init("accountLockDuration", \.accountLockDuration), .init("blockDuration", \.blockDuration),
    ]

    /// Every problem as `FIELD: message`.
    public var problems: [String] {
        var problems: [String] = []
        problems.check(failuresPerSource, 1...1_000, "failuresPerSource")
        problems.check(failuresPerTrustedPair, min(failuresPerSource, 10_000)...10_000, "failuresPerTrustedPair", " (at least failuresPerSource)")
        problems.check(window, 1...86_400, "window", " seconds")
        problems.check(failuresPerAccount, 1...100_000, "failuresPerAccount")
        problems.check(accountWindow, 1...86_400, "accountWindow", " seconds")
        problems.check(accountLockDuration, 10...31_536_000, "accountLockDuration", " seconds")
        problems.check(blockDuration, 10...31_536_000, "blockDuration", " seconds")
        return problems
    }
}
