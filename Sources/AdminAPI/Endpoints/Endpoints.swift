import Backup
import Defense
import Mail
import SSO
import HTTPTypes
import Model
import Events
import Notifications
import PBX
import Update

/// Every operation of `/api/v1`, by resource. Adding one: the operation (`AdminService`), its endpoint here, its
/// handler in the resource's route group (`AdminRoutes+*`), and its CLI command.
public enum Endpoints {
    // MARK: Health, metrics, setup, tokens, configuration

    public static let health = AdminEndpoint<NoBody, HealthView>(.get, "/healthz", "Liveness: 503 when a SIP listener no longer listens", needs: .anyone)
    public static let metrics = AdminEndpoint<NoBody, String>(.get, "/metrics", "Prometheus metrics", needs: .permission(.maintenance, .view), answerFormat: .text("text/plain; version=0.0.4"))

    public static let setup = AdminEndpoint<SetupRequest, CreatedToken>(.post, "setup", "Create the Super Administrator with the one-time setup token; answers an API token", needs: .anyone)
    public static let exportConfiguration = AdminEndpoint<NoBody, String>(.get, "config", "The whole configuration as YAML", needs: .permission(.system, .manage), query: [.init("secrets", "true: extensions carry their HA1 digests")],
              answerFormat: .yaml)
    public static let applyConfiguration = AdminEndpoint<String, ConfigApplyResult>(.put, "config", "Make the configuration equal to a YAML document, in one transaction", needs: .permission(.system, .manage),
              query: [.init("file", "the file name problems are reported against"), .init("force", "true: apply even if it cuts off the caller")],
              bodyFormat: .yaml)
    public static let openAPI = AdminEndpoint<NoBody, OpenAPIDocument>(.get, "openapi.json", "This document", needs: .signedIn)

    // MARK: Login, sessions and one's own account

    public static let login = AdminEndpoint<LoginRequest, LoginAnswer>(.post, "login", "Log in with a password (and the second factor when required): a session cookie and its CSRF token", needs: .anyone)
    public static let loginWithLink = AdminEndpoint<LoginLinkRedemption, LoginAnswer>(.post, "login/link", "Log in once with a login link's token", needs: .anyone)
    public static let logout = AdminEndpoint<NoBody, NoBody>(.post, "logout", "End this session", needs: .signedIn, status: .noContent)
    public static let me = AdminEndpoint<NoBody, MeView>(.get, "me", "Who is calling: account, role, credential", needs: .signedIn)
    public static let changePassword = AdminEndpoint<PasswordChange, UserView>(.put, "me/password", "Change one's own password; one's other sessions end", needs: .signedIn)
    public static let startTOTP = AdminEndpoint<NoBody, TOTPEnrolment>(.post, "me/twofactor/totp", "Start enrolling an authenticator app: its key and QR code", needs: .signedIn)
    public static let confirmTOTP = AdminEndpoint<TOTPConfirmation, RecoveryCodes>(.post, "me/twofactor/totp/confirm", "Confirm the app with a first code; answers ten recovery codes once", needs: .signedIn)
    public static let myCalls = AdminEndpoint<NoBody, ListResponse<CallDetailRecord>>(.get, "me/calls", "One's own calls: those of one's extension", needs: .signedIn, query: [
            .init("since", "ISO 8601 time or a duration back"), .init("until", "ISO 8601 time or a duration back"),
            .init("disposition", "answered, busy, no answer, cancelled, failed, refused"), .init("limit", "1-100000, default 100"),
        ])
    public static let renewSIPPassword = AdminEndpoint<Reauthentication, OwnSIPCredentials>(.post, "me/sip-password", "A new SIP password for one's own extension, shown once, after giving one's portal password again", needs: .signedIn)
    public static let sessions = AdminEndpoint<NoBody, ListResponse<SessionView>>(.get, "sessions", "One's sessions (all=true: everyone's, with System: view)", needs: .signedIn,
                                                                                  query: [.init("all", "true: every user's sessions")])
    public static let revokeSession = AdminEndpoint<NoBody, ListResponse<SessionView>>(.delete, "sessions/:id", "End a session: one's own, or another's with System: manage", needs: .signedIn)

    // MARK: Users, roles, tokens, login links, login defense, mail

    public static let users = AdminEndpoint<NoBody, ListResponse<UserView>>(.get, "users", "Users and their roles", needs: .permission(.system, .view))
    public static let user = AdminEndpoint<NoBody, UserView>(.get, "users/:username", "One user", needs: .permission(.system, .view))
    public static let createUser = AdminEndpoint<CreateUserRequest, UserView>(.post, "users", "Add a user", needs: .permission(.system, .manage), status: .created)
    public static let updateUser = AdminEndpoint<UpdateUserRequest, UserView>(.patch, "users/:username", "Change a user; omitted fields stay", needs: .permission(.system, .manage))
    public static let removeUser = AdminEndpoint<NoBody, ListResponse<UserView>>(.delete, "users/:username", "Remove a user with their tokens and sessions", needs: .permission(.system, .manage))
    public static let resetTwoFactor = AdminEndpoint<NoBody, UserView>(.post, "users/:username/twofactor/reset", "Remove a user's second factors (a lost phone)", needs: .permission(.system, .manage))
    public static let roles = AdminEndpoint<NoBody, ListResponse<RoleView>>(.get, "roles", "Built-in and custom roles", needs: .permission(.system, .view))
    public static let createRole = AdminEndpoint<CreateRoleRequest, ListResponse<RoleView>>(.post, "roles", "Add a custom role", needs: .superAdministrator, status: .created)
    public static let removeRole = AdminEndpoint<NoBody, ListResponse<RoleView>>(.delete, "roles/:name", "Remove a custom role no user has", needs: .superAdministrator)
    public static let tokens = AdminEndpoint<NoBody, ListResponse<TokenView>>(.get, "tokens", "List API tokens", needs: .permission(.system, .view))
    public static let createToken = AdminEndpoint<CreateTokenRequest, CreatedToken>(.post, "tokens", "Create an API token for a user; its secret is shown this once", needs: .permission(.system, .manage), status: .created)
    public static let revokeToken = AdminEndpoint<NoBody, ListResponse<TokenView>>(.delete, "tokens/:id", "Revoke an API token: refused at once", needs: .permission(.system, .manage))
    public static let createLoginLinks = AdminEndpoint<LoginLinkRequest, ListResponse<LoginLinkView>>(.post, "login-links", "One-time login links (and QR codes) for users, mailed with send", needs: .permission(.system, .manage), status: .created)
    public static let loginDefense = AdminEndpoint<NoBody, LoginDefenseSettings>(.get, "login-defense", "The login lockout, sessions and second-factor policy", needs: .permission(.security, .view))
    public static let updateLoginDefense = AdminEndpoint<LoginDefenseSettings, LoginDefenseSettings>(.put, "login-defense", "Replace the login lockout, sessions and second-factor policy", needs: .permission(.security, .manage))
    public static let smtp = AdminEndpoint<NoBody, SMTPSettingsView>(.get, "smtp", "The mail server, without its password", needs: .permission(.system, .view))
    public static let updateSMTP = AdminEndpoint<SMTPSettings, SMTPSettingsView>(.put, "smtp", "Replace the mail server settings (a password left out stays)", needs: .permission(.system, .manage))
    public static let oidc = AdminEndpoint<NoBody, OIDCSettings>(.get, "sso/oidc", "OpenID Connect sign-in, without the client secret", needs: .permission(.system, .view))
    public static let updateOIDC = AdminEndpoint<OIDCSettings, OIDCSettings>(.put, "sso/oidc", "Replace the OpenID Connect settings (a secret left out stays)", needs: .permission(.system, .manage))
    public static let ldap = AdminEndpoint<NoBody, LDAPSettings>(.get, "sso/ldap", "LDAP / Active Directory sign-in, without the bind password", needs: .permission(.system, .view))
    public static let updateLDAP = AdminEndpoint<LDAPSettings, LDAPSettings>(.put, "sso/ldap", "Replace the LDAP settings (a password left out stays)", needs: .permission(.system, .manage))
    public static let startOIDC = AdminEndpoint<NoBody, OIDCStart>(.get, "sso/oidc/start", "Sign in with the OpenID provider: a redirect there (format=json: its URL)", needs: .anyone,
                                                                 query: [.init("format", "json: answer the URL instead of redirecting")])
    public static let finishOIDC = AdminEndpoint<NoBody, LoginAnswer>(.get, "sso/oidc/callback", "Where the provider sends the browser back: opens a session", needs: .anyone,
                                                                    query: [.init("code", "the authorization code"), .init("state", "the state sent")])
    public static let testSMTP = AdminEndpoint<SMTPTestRequest, SMTPTestResult>(.post, "smtp/test", "Send a test message and wait for the outcome", needs: .permission(.system, .manage))

    // MARK: Extensions and registrations

    public static let extensions = AdminEndpoint<NoBody, ListResponse<ExtensionView>>(.get, "extensions", "List extensions", needs: .permission(.extensionsAndTrunks, .view), query: [
            .init("search", "text the number, name or registration name contains"), .init("offset", "skip this many (with limit: total is answered)"),
            .init("limit", "1-1000 per page"),
        ])
    public static let createExtension = AdminEndpoint<CreateExtensionRequest, ExtensionWithSecret>(.post, "extensions", "Add an extension; a generated password is answered once", needs: .permission(.extensionsAndTrunks, .manage), status: .created)
    public static let extensionView = AdminEndpoint<NoBody, ExtensionView>(.get, "extensions/:number", "Show one extension", needs: .permission(.extensionsAndTrunks, .view))
    public static let updateExtension = AdminEndpoint<UpdateExtensionRequest, ExtensionWithSecret>(.patch, "extensions/:number", "Change an extension; omitted fields stay", needs: .permission(.extensionsAndTrunks, .manage))
    public static let deleteExtension = AdminEndpoint<NoBody, NoBody>(.delete, "extensions/:number", "Remove an extension", needs: .permission(.extensionsAndTrunks, .manage), status: .noContent)
    public static let registrations = AdminEndpoint<NoBody, ListResponse<RegistrationView>>(.get, "registrations", "Registered devices", needs: .permission(.extensionsAndTrunks, .view))
    public static let registrationDefense = AdminEndpoint<NoBody, RegistrationDefenseSettings>(.get, "registration-defense", "The registration lockout and scanner policy", needs: .permission(.security, .view))
    public static let updateRegistrationDefense = AdminEndpoint<RegistrationDefenseSettings, RegistrationDefenseSettings>(.put, "registration-defense", "Replace the registration lockout and scanner policy", needs: .permission(.security, .manage))

    // MARK: Events and call records

    public static let events = AdminEndpoint<NoBody, ListResponse<EventView>>(.get, "events", "The event log, newest first", needs: .permission(.maintenance, .view), query: [
            .init("since", "ISO 8601 time or a duration back (15m, 2h, 7d)"), .init("until", "ISO 8601 time or a duration back"),
            .init("name", "event name, repeatable"), .init("type", "operations, telephony, system or security"),
            .init("category", "defense layer: system, registration, network, login or call"), .init("level", "information, warning or alert"),
            .init("status", "read or unread"), .init("limit", "1-10000, default 100"), .init("format", "csv: text/csv instead of JSON"),
        ])
    public static let markEventsRead = AdminEndpoint<EventMarking, EventMarkingResult>(.post, "events/read", "Mark events read: those listed, or all", needs: .permission(.maintenance, .view))
    public static let markEventsUnread = AdminEndpoint<EventMarking, EventMarkingResult>(.post, "events/unread", "Mark events unread: those listed, or all", needs: .permission(.maintenance, .view))
    public static let eventCatalogue = AdminEndpoint<NoBody, ListResponse<CatalogueEntry>>(.get, "events/catalogue", "Every event with its type, level and notification switch", needs: .permission(.system, .view))
    public static let changeEvent = AdminEndpoint<EventChange, CatalogueEntry>(.put, "events/catalogue/:name", "Change an event's level, notification switch or mail template", needs: .permission(.system, .manage))
    public static let eventRetention = AdminEndpoint<NoBody, RetentionView>(.get, "events/retention", "How long the event log keeps events, and what it removed", needs: .permission(.maintenance, .view))
    public static let updateEventRetention = AdminEndpoint<EventRetention, RetentionView>(.put, "events/retention", "Replace the event log's retention and apply it now", needs: .permission(.system, .manage))

    // MARK: Update check

    public static let checkForUpdate = AdminEndpoint<NoBody, UpdateChecker.Result>(.post, "update/check", "Look at the release feed now; a newer signed release raises New Version Detected once", needs: .permission(.maintenance, .manage))
    public static let update = AdminEndpoint<NoBody, UpdateOverview>(.get, "update", "The running version, the update check's settings, its last result and next run", needs: .permission(.maintenance, .view))
    public static let changeUpdateSettings = AdminEndpoint<UpdateSettings, UpdateSettings>(.put, "update/settings", "Replace the update check's settings", needs: .permission(.maintenance, .manage))

    // MARK: Cluster

    public static let cluster = AdminEndpoint<NoBody, ClusterStatus>(.get, "cluster", "The nodes sharing this store: health (alive, missing, stopped), heartbeat and load", needs: .permission(.system, .view))

    // MARK: SSH console

    public static let ssh = AdminEndpoint<NoBody, SSHOverview>(.get, "ssh", "The SSH console: on or off, its address, host key fingerprint and open connections", needs: .permission(.system, .view))
    public static let changeSSH = AdminEndpoint<SSHChange, SSHOverview>(.put, "ssh", "Turn the SSH console on or off or move it (disabling ends every session)", needs: .permission(.system, .manage))
    public static let sshKeys = AdminEndpoint<NoBody, [SSHKeyView]>(.get, "ssh/keys", "Public keys for the SSH console: one's own, and with System view those of users one's role includes", needs: .signedIn, query: [.init("user", "only this user's keys")])
    public static let addSSHKey = AdminEndpoint<AddSSHKey, SSHKeyView>(.post, "ssh/keys", "Add a public key (ed25519 or ecdsa) for oneself, or with System manage for a user one's role includes", needs: .signedIn, status: .created)
    public static let removeSSHKey = AdminEndpoint<NoBody, [SSHKeyView]>(.delete, "ssh/keys/:fingerprint", "Remove a public key by its SHA256 fingerprint", needs: .signedIn)

    // MARK: Backups

    public static let backups = AdminEndpoint<NoBody, BackupOverview>(.get, "backups", "The backups in the backup directory and the schedule (never its passphrase)", needs: .permission(.maintenance, .view))
    public static let createBackup = AdminEndpoint<CreateBackupRequest, BackupFile>(.post, "backups", "Make an encrypted backup now: the configuration, and call records (cdr) and events when included", needs: .permission(.maintenance, .manage), status: .created)
    public static let downloadBackup = AdminEndpoint<NoBody, BackupFile>(.get, "backups/:name", "Download a backup file (application/octet-stream)", needs: .permission(.maintenance, .manage))
    public static let restoreBackup = AdminEndpoint<RestoreBackupRequest, RestoreResult>(.post, "backups/restore", "Restore a backup: checked first, then replaced at once; says what needs a restart", needs: .superAdministrator)
    public static let updateBackupSchedule = AdminEndpoint<BackupSettings, BackupOverview>(.put, "backups/schedule", "Replace the backup directory and schedule (a passphrase left out stays)", needs: .permission(.maintenance, .manage))

    // MARK: Notifications

    public static let notifications = AdminEndpoint<NoBody, NotificationsView>(.get, "notifications", "Notification contacts (never a secret) and the coalescing interval", needs: .permission(.system, .view))
    public static let addNotificationContact = AdminEndpoint<NotificationContact, NotificationsView>(.post, "notifications/contacts", "Add a contact: an email address, a webhook or a syslog server, with the levels or events it receives", needs: .permission(.system, .manage), status: .created)
    public static let removeNotificationContact = AdminEndpoint<NoBody, NotificationsView>(.delete, "notifications/contacts/:name", "Remove a contact", needs: .permission(.system, .manage))
    public static let testNotificationContact = AdminEndpoint<NoBody, NotificationTestResult>(.post, "notifications/contacts/:name/test", "Send a test message to a contact and wait for the outcome", needs: .permission(.system, .manage))
    public static let updateNotificationOptions = AdminEndpoint<NotificationOptions, NotificationsView>(.put, "notifications/options", "Set how often one contact hears of one kind of event", needs: .permission(.system, .manage))

    public static let callRecords = AdminEndpoint<NoBody, ListResponse<CallDetailRecord>>(.get, "cdr", "Call detail records, newest first", needs: .permission(.reportsAndRecordings, .view), query: [
            .init("since", "ISO 8601 time or a duration back"), .init("until", "ISO 8601 time or a duration back"),
            .init("party", "caller or callee"), .init("disposition", "answered, busy, no answer, cancelled, failed, refused"),
            .init("limit", "1-100000, default 100"), .init("format", "csv: text/csv instead of JSON"),
        ])

    // MARK: Network defense

    public static let securitySummary = AdminEndpoint<NoBody, SecuritySummary>(.get, "security/summary", "The security dashboard: attacks by layer, blocks, countries, targeted accounts, live counts, last alerts, recommendations", needs: .permission(.security, .view))

    public static let networkSettings = AdminEndpoint<NoBody, NetworkSettings>(.get, "network", "The network layer's settings", needs: .permission(.security, .view))
    public static let updateNetworkSettings = AdminEndpoint<NetworkSettings, NetworkSettings>(.put, "network", "Replace the network layer's settings", needs: .permission(.security, .manage), query: [.init("force", "true: apply even if it cuts off the caller")])
    public static let blocks = AdminEndpoint<NoBody, ListResponse<NetworkBlockRecord>>(.get, "network/blocks", "Blocked sources", needs: .permission(.security, .view), query: [
            .init("source", "an address or range the block covers"), .init("defenseType", "manual, auto defense, extension registration..."),
            .init("limit", "1-1000000"),
        ])
    public static let block = AdminEndpoint<ManualBlockRequest, NetworkBlockRecord>(.post, "network/blocks", "Block a source", needs: .permission(.security, .manage), status: .created)
    public static let unblock = AdminEndpoint<NoBody, ListResponse<NetworkBlockRecord>>(.delete, "network/blocks/:target", "Remove blocks by id or source", needs: .permission(.security, .manage))

    // MARK: Routing and the outbound policy

    public static let routing = AdminEndpoint<NoBody, RoutingSettings>(.get, "routing", "Trunks, outbound and inbound routes", needs: .permission(.callControl, .view))
    public static let trunks = AdminEndpoint<NoBody, ListResponse<TrunkSettings>>(.get, "trunks", "Trunks, without passwords", needs: .permission(.extensionsAndTrunks, .view))
    public static let routes = AdminEndpoint<NoBody, ListResponse<OutboundRoute>>(.get, "routes", "Outbound routes", needs: .permission(.callControl, .view))
    public static let inboundRoutes = AdminEndpoint<NoBody, ListResponse<InboundRoute>>(.get, "inbound-routes", "Inbound routes", needs: .permission(.callControl, .view))
    public static let addTrunk = AdminEndpoint<TrunkSettings, RoutingSettings>(.post, "trunks", "Add a trunk", needs: .permission(.extensionsAndTrunks, .manage), status: .created)
    public static let addRoute = AdminEndpoint<OutboundRoute, RoutingSettings>(.post, "routes", "Add an outbound route", needs: .permission(.callControl, .manage), status: .created)
    public static let addInboundRoute = AdminEndpoint<InboundRoute, RoutingSettings>(.post, "inbound-routes", "Add an inbound route", needs: .permission(.callControl, .manage), status: .created)
    public static let removeTrunk = AdminEndpoint<NoBody, RoutingSettings>(.delete, "trunks/:name", "Remove a trunk no route uses", needs: .permission(.extensionsAndTrunks, .manage))
    public static let moveRoute = AdminEndpoint<RouteMove, RoutingSettings>(.post, "routes/:name/move", "Put an outbound route at a position (0 first): the order routes are tried in", needs: .permission(.callControl, .manage))
    public static let removeRoute = AdminEndpoint<NoBody, RoutingSettings>(.delete, "routes/:name", "Remove an outbound route", needs: .permission(.callControl, .manage))
    public static let removeInboundRoute = AdminEndpoint<NoBody, RoutingSettings>(.delete, "inbound-routes/:name", "Remove an inbound route", needs: .permission(.callControl, .manage))
    public static let outboundPolicy = AdminEndpoint<NoBody, OutboundPolicySettings>(.get, "outbound-policy", "The outbound call policy", needs: .permission(.security, .view))
    public static let setOutboundPolicy = AdminEndpoint<OutboundPolicySettings, OutboundPolicySettings>(.put, "outbound-policy", "Replace the outbound call policy", needs: .permission(.security, .manage))
    public static let outboundLocks = AdminEndpoint<NoBody, ListResponse<OutboundLockView>>(.get, "outbound-locks", "Extensions locked for outbound calls", needs: .permission(.security, .view))
    public static let unlockOutbound = AdminEndpoint<NoBody, ListResponse<OutboundLockView>>(.delete, "outbound-locks/:extension", "Let a locked extension call out again", needs: .permission(.security, .manage))
}
