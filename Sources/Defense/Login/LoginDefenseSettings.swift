import Model

/// The login layer of the admin API and portal (the `login:` section). The seed's "denied further attempts
/// temporarily, then banned": 5 failed logins within 10 minutes from one address (or against one account from one
/// address) refuse further logins from it for 10 minutes; 10 block the address in the block list (a day, escalating
/// like other automatic blocks); 20 failures against one account from anywhere within 10 minutes lock that account's
/// password login for 30 minutes (login links, SSO and administrators still work); 5 bad API tokens in a row from one
/// address block it.
public struct LoginDefenseSettings: StoredSettings {
    public static let storeKey = "login.settings"

    public var failuresBeforeRefusal = 5
    public var failuresBeforeBlock = 10
    /// Seconds over which an address's failures are counted.
    public var window = 600
    /// Seconds an address (or address and account) is refused logins once it reached `failuresBeforeRefusal`.
    public var refusalDuration = 600
    /// Seconds of the first block; repeat offenders escalate like automatic network blocks.
    public var blockDuration = 86_400
    public var failuresPerAccount = 20
    public var accountWindow = 600
    public var accountLockDuration = 1_800
    /// Consecutive failed API token authentications from one address before it is blocked.
    public var tokenFailuresBeforeBlock = 5
    /// Minutes without a request before a session ends (5-120).
    public var sessionIdleMinutes = 30
    /// Hours a session lasts at most, however active (1-168).
    public var sessionLifetimeHours = 12
    /// Roles whose users must use a second factor; a user's own setting overrides it. Administrators by default: they
    /// can change everything, so a stolen password alone must not be enough.
    public var twoFactorRoles = [Role.superAdministrator.name, Role.administrator.name]
    /// Hours a one-time login link works (1-720).
    public var loginLinkHours = 24

    public init() {}

    public static let fields: [StrictField<LoginDefenseSettings>] = [
        .init("failuresBeforeRefusal", \.failuresBeforeRefusal), .init("failuresBeforeBlock", \.failuresBeforeBlock), .init("window", \.window),
        .init("refusalDuration", \.refusalDuration), .init("blockDuration", \.blockDuration), .init("failuresPerAccount", \.failuresPerAccount),
        .init("accountWindow", \.accountWindow), .init("accountLockDuration", \.accountLockDuration),
        .init("tokenFailuresBeforeBlock", \.tokenFailuresBeforeBlock), .init("sessionIdleMinutes", \.sessionIdleMinutes),
        .init("sessionLifetimeHours", \.sessionLifetimeHours), .init("twoFactorRoles", \.twoFactorRoles), .init("loginLinkHours", \.loginLinkHours),
    ]

    /// Every problem as `FIELD: message`; role names are checked by the caller, who knows the custom roles.
    public var problems: [String] {
        var problems: [String] = []
        problems.check(failuresBeforeRefusal, 1...1_000, "failuresBeforeRefusal")
        problems.check(failuresBeforeBlock, min(failuresBeforeRefusal, 10_000)...10_000, "failuresBeforeBlock", " (at least failuresBeforeRefusal)")
        problems.check(window, 10...86_400, "window", " seconds")
        problems.check(refusalDuration, 10...86_400, "refusalDuration", " seconds")
        problems.check(blockDuration, 60...31_536_000, "blockDuration", " seconds")
        problems.check(failuresPerAccount, 1...100_000, "failuresPerAccount")
        problems.check(accountWindow, 10...86_400, "accountWindow", " seconds")
        problems.check(accountLockDuration, 60...86_400, "accountLockDuration", " seconds")
        problems.check(tokenFailuresBeforeBlock, 1...1_000, "tokenFailuresBeforeBlock")
        problems.check(sessionIdleMinutes, 5...120, "sessionIdleMinutes", " minutes")
        problems.check(sessionLifetimeHours, 1...168, "sessionLifetimeHours", " hours")
        problems.check(loginLinkHours, 1...720, "loginLinkHours", " hours")
        if twoFactorRoles.count > 100 { problems.append("twoFactorRoles: at most 100 roles") }
        return problems
    }
}
