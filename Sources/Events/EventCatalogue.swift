/// Every event Portcullis can raise, with its defaults. Names are a contract with operators' notification rules and
/// overrides: add, never rename. Information-level events are not sent to contacts unless switched on.
public enum EventCatalogue {
    // MARK: Operations: what people did to the PBX.
    public static let configurationChanged = EventKind(name: "Configuration Changed", type: .operations, category: .system, level: .information,
                                                       summary: "{{section}} changed{{#username}} by {{username}}{{/username}}")
    public static let superAdministratorCreated = EventKind(name: "Super Administrator Created", type: .operations, category: .system,
                                                            level: .warning, summary: "Super Administrator {{username}} created")
    public static let webUserLoginSucceeded = EventKind(name: "Web User Login Success", type: .operations, category: .login, level: .information,
                                                        summary: "{{username}} logged in from {{ip}}")
    public static let administratorLoginSucceeded = EventKind(name: "Administrator Login Success", type: .operations, category: .login,
                                                              level: .information, notifies: true, summary: "administrator {{username}} logged in from {{ip}}")
    public static let administratorPasswordChanged = EventKind(name: "Administrator Password Changed", type: .operations, category: .login,
                                                               level: .warning, summary: "the password of administrator {{username}} changed")
    public static let userPasswordChanged = EventKind(name: "User Password Changed", type: .operations, category: .login, level: .information,
                                                      summary: "the password of {{username}} changed")
    public static let systemRestored = EventKind(name: "System Restore", type: .operations, category: .system, level: .alert,
                                                 summary: "the PBX was restored from {{backup}}")

    // MARK: Telephony: phones, trunks and calls.
    public static let extensionRegistered = EventKind(name: "Extension Registered", type: .telephony, category: .registration, level: .information,
                                                      summary: "extension {{extension}} registered from {{ip}}")
    public static let extensionUnregistered = EventKind(name: "Extension Unregistered", type: .telephony, category: .registration,
                                                        level: .information, summary: "extension {{extension}} unregistered ({{reason}})")
    public static let trunkRegistrationFailed = EventKind(name: "SIP Trunk Registration Failed", type: .telephony, category: .call, level: .warning,
                                                          summary: "trunk {{trunk}} could not register at {{host}}: {{reason}}")
    public static let trunkRegistered = EventKind(name: "SIP Trunk Registered", type: .telephony, category: .call, level: .information,
                                                  summary: "trunk {{trunk}} registered for {{expires}} s")
    public static let trunkReregistered = EventKind(name: "SIP Trunk Re-registered", type: .telephony, category: .call, level: .information,
                                                    notifies: true, summary: "trunk {{trunk}} registered again after failing")
    public static let emergencyCall = EventKind(name: "Emergency Call Dialed Out", type: .telephony, category: .call, level: .alert,
                                                summary: "extension {{extension}} dialed the emergency number {{dialed}}")

    // MARK: System: the server itself.
    public static let serverStarted = EventKind(name: "Server Started", type: .system, category: .system, level: .information,
                                                summary: "Portcullis started (SIP on {{sip}})")
    public static let serverStopped = EventKind(name: "Server Stopped", type: .system, category: .system, level: .information,
                                                summary: "Portcullis stopped")
    public static let listenerClosed = EventKind(name: "SIP Listener Closed", type: .system, category: .system, level: .alert,
                                                 summary: "the SIP listener closed: {{reason}}")
    public static let geoIPUnavailable = EventKind(name: "Geo-IP Database Unavailable", type: .system, category: .network, level: .warning,
                                                   summary: "the geo-IP database cannot be read: {{error}}")
    public static let connectionLimitReached = EventKind(name: "Connection Limit Reached", type: .system, category: .network, level: .warning,
                                                         summary: "connection limit reached{{#ip}} for {{ip}}{{/ip}}")
    public static let cpuOverload = EventKind(name: "CPU Overload", type: .system, category: .system, level: .alert,
                                              summary: "CPU busy {{usage}} for {{duration}}")
    public static let memoryOverload = EventKind(name: "Memory Overload", type: .system, category: .system, level: .alert,
                                                 summary: "memory {{usage}} used")
    public static let insufficientStorage = EventKind(name: "Insufficient Storage", type: .system, category: .system, level: .alert,
                                                      summary: "the data disk ({{path}}) is {{usage}} full")
    public static let backupFailed = EventKind(name: "Backup Failed", type: .system, category: .system, level: .alert,
                                               summary: "backup failed: {{reason}}")
    public static let newVersionDetected = EventKind(name: "New Version Detected", type: .system, category: .system, level: .warning,
                                                     summary: "Portcullis {{version}} is available: {{notes}}")
    public static let updateCheckFailed = EventKind(name: "Update Check Failed", type: .system, category: .system, level: .warning,
                                                    summary: "the update check found nothing it can trust: {{reason}}")
    public static let notificationDeliveryFailed = EventKind(name: "Notification Delivery Failed", type: .system, category: .system,
                                                             level: .warning, summary: "cannot notify {{contact}}: {{reason}}")
    public static let notificationTest = EventKind(name: "Notification Test", type: .system, category: .system, level: .information,
                                                   notifies: false, summary: "a test message for {{contact}}: notifications reach it")
    public static let setupRefused = EventKind(name: "Setup Token Refused", type: .system, category: .login, level: .warning,
                                               summary: "setup refused: {{reason}}")

    // MARK: Security: attacks and what the defenses did.
    public static let autoDefenseBlocked = EventKind(name: "Auto Defense IP Blocked Out", type: .security, category: .network, level: .alert,
                                                     summary: "{{ip}} blocked by the {{rule}} rule")
    public static let ipBlocked = EventKind(name: "IP Blocked", type: .security, category: .network, level: .warning,
                                            summary: "{{ip}} blocked{{#reason}}: {{reason}}{{/reason}}")
    public static let ipUnblocked = EventKind(name: "IP Unblocked", type: .security, category: .network, level: .information,
                                              summary: "{{ip}} unblocked")
    public static let registrationFailed = EventKind(name: "Extension Registration Failed", type: .security, category: .registration,
                                                     level: .warning, summary: "registration of {{account}} from {{ip}} failed")
    public static let registrationBlocked = EventKind(name: "Extension Registration Blocked Out", type: .security, category: .registration,
                                                      level: .alert, summary: "{{ip}} blocked after {{attempts}} failed registrations of {{account}}")
    public static let registrationLocked = EventKind(name: "Extension Registration Locked", type: .security, category: .registration,
                                                     level: .alert, summary: "extension {{account}} locked after {{attempts}} failures")
    public static let disallowedCountry = EventKind(name: "Outbound Call to a Disallowed Country", type: .security, category: .call,
                                                    level: .alert, summary: "extension {{extension}} dialed {{dialed}} ({{country}})")
    public static let callFrequencyExceeded = EventKind(name: "Outbound Call Frequency Exceeded", type: .security, category: .call,
                                                        level: .alert, summary: "extension {{extension}} exceeded its outbound call frequency")
    public static let blockedNumberDialed = EventKind(name: "Outbound Call to a Blocked Number", type: .security, category: .call,
                                                      level: .warning, summary: "extension {{extension}} dialed the blocked number {{dialed}}")
    public static let wrongPIN = EventKind(name: "Outbound Call PIN Failed", type: .security, category: .call, level: .warning,
                                           summary: "extension {{extension}} gave a wrong PIN")
    public static let outboundLocked = EventKind(name: "Extension Outbound Calls Locked", type: .security, category: .call, level: .alert,
                                                 summary: "outbound calls of extension {{extension}} locked: {{reason}}")
    public static let webUserBlocked = EventKind(name: "Web User Blocked Out", type: .security, category: .login, level: .alert,
                                                 summary: "{{ip}} blocked after {{attempts}} failed logins")
    public static let webUserAccountLocked = EventKind(name: "Web User Account Locked", type: .security, category: .login, level: .alert,
                                                       summary: "account {{username}} locked after {{attempts}} failed logins")
    public static let webUserLoginFailed = EventKind(name: "Web User Login Failed", type: .security, category: .login, level: .warning,
                                                     summary: "login of {{username}} from {{ip}} failed")
    public static let storeUnreachable = EventKind(name: "Store Unreachable", type: .system, category: .system, level: .alert,
                                                   summary: "the database cannot be written ({{writing}}): serving on, writes kept")
    public static let storeReachable = EventKind(name: "Store Reachable Again", type: .system, category: .system, level: .information,
                                                 notifies: true, summary: "the database takes writes again; kept writes made")
    public static let clusterNodeMissing = EventKind(name: "Cluster Node Missing", type: .system, category: .system, level: .alert,
                                                     summary: "node {{missing}} stopped beating: {{bindings}} registrations released for other nodes, {{calls}} calls it had up recorded")
    public static let sshLoginSucceeded = EventKind(name: "SSH Login Success", type: .operations, category: .login, level: .information,
                                                    notifies: true, summary: "{{username}} logged in to the SSH console from {{ip}}")
    public static let sshLoginFailed = EventKind(name: "SSH Login Failed", type: .security, category: .login, level: .warning,
                                                 summary: "SSH login of {{username}} from {{ip}} refused: {{reason}}")
    public static let sshBlocked = EventKind(name: "SSH Blocked Out", type: .security, category: .login, level: .alert,
                                             summary: "{{ip}} blocked after {{attempts}} failed SSH logins")
    public static let apiAuthenticationBlocked = EventKind(name: "API Authentication Blocked Out", type: .security, category: .login,
                                                           level: .alert, summary: "{{ip}} blocked after {{attempts}} bad API tokens")

    public static let all: [EventKind] = [
        configurationChanged, superAdministratorCreated, webUserLoginSucceeded, administratorLoginSucceeded, administratorPasswordChanged,
        userPasswordChanged, systemRestored,
        extensionRegistered, extensionUnregistered, trunkRegistrationFailed, trunkRegistered, trunkReregistered, emergencyCall,
        serverStarted, serverStopped, listenerClosed, geoIPUnavailable, connectionLimitReached, cpuOverload, memoryOverload,
        insufficientStorage, backupFailed, newVersionDetected, updateCheckFailed, notificationDeliveryFailed, notificationTest, setupRefused,
        autoDefenseBlocked, ipBlocked, ipUnblocked, registrationFailed, registrationBlocked, registrationLocked, disallowedCountry,
        callFrequencyExceeded, blockedNumberDialed, wrongPIN, outboundLocked, webUserBlocked, webUserAccountLocked, webUserLoginFailed,
        apiAuthenticationBlocked, sshLoginSucceeded, sshLoginFailed, sshBlocked, storeUnreachable, storeReachable,
        clusterNodeMissing,
    ]

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    public static func kind(named name: String) -> EventKind? { byName[name] }
}
