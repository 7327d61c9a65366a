/// When failed registrations lock a source or an account out. Defaults beat fail2ban's asterisk jail (10 failures):
/// 5 failures within 60 s from one address block it (escalating like automatic network blocks); an (address,
/// account) pair that registered before gets 20, so one misconfigured phone behind an office NAT does not lock the
/// office out; 20 failures against one account from anywhere within 10 minutes lock it for 15 minutes for every
/// address that never registered it.
public struct RegistrationLockoutSettings: Codable, Sendable, Equatable {
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
}
