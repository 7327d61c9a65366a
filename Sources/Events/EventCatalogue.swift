/// Every event Portcullis can raise. Names are a contract with operators' notification rules: add, never rename.
public enum EventCatalogue {
    public static let serverStarted = EventKind(name: "Server Started", category: .system, level: .info)
    public static let serverStopped = EventKind(name: "Server Stopped", category: .system, level: .info)
    public static let extensionRegistered = EventKind(name: "Extension Registered", category: .registration, level: .info)
    public static let extensionUnregistered = EventKind(name: "Extension Unregistered", category: .registration, level: .info)
    public static let registrationFailed = EventKind(name: "Extension Registration Failed", category: .registration, level: .warning)
    public static let configurationChanged = EventKind(name: "Configuration Changed", category: .system, level: .notice)
    public static let autoDefenseBlocked = EventKind(name: "Auto Defense IP Blocked Out", category: .network, level: .alert)
    public static let ipBlocked = EventKind(name: "IP Blocked", category: .network, level: .notice)
    public static let ipUnblocked = EventKind(name: "IP Unblocked", category: .network, level: .notice)
    public static let registrationBlocked = EventKind(name: "Extension Registration Blocked Out", category: .registration, level: .alert)
    public static let registrationLocked = EventKind(name: "Extension Registration Locked", category: .registration, level: .alert)
    public static let geoIPUnavailable = EventKind(name: "Geo-IP Database Unavailable", category: .network, level: .warning)
    public static let trunkRegistrationFailed = EventKind(name: "SIP Trunk Registration Failed", category: .call, level: .warning)
    public static let trunkRegistered = EventKind(name: "SIP Trunk Registered", category: .call, level: .info)
    public static let disallowedCountry = EventKind(name: "Outbound Call to a Disallowed Country", category: .call, level: .alert)
    public static let callFrequencyExceeded = EventKind(name: "Outbound Call Frequency Exceeded", category: .call, level: .alert)
    public static let blockedNumberDialed = EventKind(name: "Outbound Call to a Blocked Number", category: .call, level: .warning)
    public static let emergencyCall = EventKind(name: "Emergency Call Dialed Out", category: .call, level: .alert)
    public static let wrongPIN = EventKind(name: "Outbound Call PIN Failed", category: .call, level: .warning)
    public static let outboundLocked = EventKind(name: "Extension Outbound Calls Locked", category: .call, level: .alert)
    public static let listenerClosed = EventKind(name: "SIP Listener Closed", category: .system, level: .alert)
    public static let superAdministratorCreated = EventKind(name: "Super Administrator Created", category: .system, level: .notice)
    public static let setupRefused = EventKind(name: "Setup Token Refused", category: .system, level: .warning)
    public static let connectionLimitReached = EventKind(name: "Connection Limit Reached", category: .network, level: .warning)
    public static let webUserBlocked = EventKind(name: "Web User Blocked Out", category: .login, level: .alert)
    public static let webUserAccountLocked = EventKind(name: "Web User Account Locked", category: .login, level: .alert)
    public static let webUserLoginFailed = EventKind(name: "Web User Login Failed", category: .login, level: .warning)
    public static let webUserLoginSucceeded = EventKind(name: "Web User Login Success", category: .login, level: .info)
    public static let administratorLoginSucceeded = EventKind(name: "Administrator Login Success", category: .login, level: .notice)
    public static let apiAuthenticationBlocked = EventKind(name: "API Authentication Blocked Out", category: .login, level: .alert)
    public static let administratorPasswordChanged = EventKind(name: "Administrator Password Changed", category: .login, level: .notice)
    public static let userPasswordChanged = EventKind(name: "User Password Changed", category: .login, level: .info)
    public static let mailDeliveryFailed = EventKind(name: "Notification Delivery Failed", category: .system, level: .warning)

    public static let all: [EventKind] = [
        serverStarted, serverStopped, extensionRegistered, extensionUnregistered, registrationFailed,
        configurationChanged, autoDefenseBlocked, ipBlocked, ipUnblocked, geoIPUnavailable,
        registrationBlocked, registrationLocked, trunkRegistrationFailed, trunkRegistered, disallowedCountry, callFrequencyExceeded,
        blockedNumberDialed, emergencyCall, wrongPIN, outboundLocked, listenerClosed,
        connectionLimitReached, superAdministratorCreated, setupRefused, webUserBlocked, webUserAccountLocked, webUserLoginFailed,
        webUserLoginSucceeded, administratorLoginSucceeded, apiAuthenticationBlocked, administratorPasswordChanged, userPasswordChanged,
        mailDeliveryFailed,
    ]

    public static func kind(named name: String) -> EventKind? { all.first { $0.name == name } }
}
