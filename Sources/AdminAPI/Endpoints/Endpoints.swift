import Defense
import HTTPTypes
import Model
import PBX

/// Every operation of `/api/v1`, by resource. Adding one: the operation (`AdminService`), its endpoint here, its
/// handler in the resource's route group (`AdminRoutes+*`), and its CLI command.
public enum Endpoints {
    // MARK: Health, metrics, setup, tokens, configuration

    public static let health = AdminEndpoint<NoBody, HealthView>(.get, "/healthz", "Liveness: 503 when a SIP listener no longer listens", needs: nil)
    public static let metrics = AdminEndpoint<NoBody, String>(.get, "/metrics", "Prometheus metrics", needs: Permission(.maintenance, .view), answerFormat: .text("text/plain; version=0.0.4"))

    public static let setup = AdminEndpoint<SetupRequest, CreatedToken>(.post, "setup", "Create the Super Administrator with the one-time setup token; answers an API token", needs: nil)
    public static let tokens = AdminEndpoint<NoBody, ListResponse<TokenView>>(.get, "tokens", "List API tokens", needs: Permission(.system, .view))
    public static let createToken = AdminEndpoint<CreateTokenRequest, CreatedToken>(.post, "tokens", "Create an API token; its secret is shown this once", needs: Permission(.system, .manage), status: .created)
    public static let users = AdminEndpoint<NoBody, ListResponse<UserView>>(.get, "users", "Users and their roles", needs: Permission(.system, .view))
    public static let createUser = AdminEndpoint<CreateUserRequest, UserView>(.post, "users", "Add a user with a built-in role",
                                                                              needs: Permission(.system, .manage), status: .created)
    public static let removeUser = AdminEndpoint<NoBody, ListResponse<UserView>>(.delete, "users/:username", "Remove a user",
                                                                                 needs: Permission(.system, .manage))
    public static let revokeToken = AdminEndpoint<NoBody, ListResponse<TokenView>>(.delete, "tokens/:id", "Revoke an API token: refused at once",
                                                                               needs: Permission(.system, .manage))
    public static let exportConfiguration = AdminEndpoint<NoBody, String>(.get, "config", "The whole configuration as YAML", needs: Permission(.system, .manage), query: [.init("secrets", "true: extensions carry their HA1 digests")],
              answerFormat: .yaml)
    public static let applyConfiguration = AdminEndpoint<String, ConfigApplyResult>(.put, "config", "Make the configuration equal to a YAML document, in one transaction", needs: Permission(.system, .manage),
              query: [.init("file", "the file name problems are reported against"), .init("force", "true: apply even if it cuts off the caller")],
              bodyFormat: .yaml)
    public static let openAPI = AdminEndpoint<NoBody, OpenAPIDocument>(.get, "openapi.json", "This document", needs: nil)

    // MARK: Extensions and registrations

    public static let extensions = AdminEndpoint<NoBody, ListResponse<ExtensionView>>(.get, "extensions", "List extensions", needs: Permission(.extensionsAndTrunks, .view))
    public static let createExtension = AdminEndpoint<CreateExtensionRequest, ExtensionWithSecret>(.post, "extensions", "Add an extension; a generated password is answered once", needs: Permission(.extensionsAndTrunks, .manage), status: .created)
    public static let extensionView = AdminEndpoint<NoBody, ExtensionView>(.get, "extensions/:number", "Show one extension", needs: Permission(.extensionsAndTrunks, .view))
    public static let updateExtension = AdminEndpoint<UpdateExtensionRequest, ExtensionWithSecret>(.patch, "extensions/:number", "Change an extension; omitted fields stay", needs: Permission(.extensionsAndTrunks, .manage))
    public static let deleteExtension = AdminEndpoint<NoBody, NoBody>(.delete, "extensions/:number", "Remove an extension", needs: Permission(.extensionsAndTrunks, .manage), status: .noContent)
    public static let registrations = AdminEndpoint<NoBody, ListResponse<RegistrationView>>(.get, "registrations", "Registered devices", needs: Permission(.extensionsAndTrunks, .view))
    public static let registrationDefense = AdminEndpoint<NoBody, RegistrationDefenseSettings>(.get, "registration-defense", "The registration lockout and scanner policy", needs: Permission(.security, .view))
    public static let updateRegistrationDefense = AdminEndpoint<RegistrationDefenseSettings, RegistrationDefenseSettings>(.put, "registration-defense", "Replace the registration lockout and scanner policy", needs: Permission(.security, .manage))

    // MARK: Events and call records

    public static let events = AdminEndpoint<NoBody, ListResponse<EventView>>(.get, "events", "The event log, newest first", needs: Permission(.maintenance, .view), query: [
            .init("since", "ISO 8601 time or a duration back (15m, 2h, 7d)"), .init("until", "ISO 8601 time or a duration back"),
            .init("name", "event name, repeatable"), .init("category", "event category"), .init("level", "event level"),
            .init("limit", "1-10000, default 100"),
        ])
    public static let callRecords = AdminEndpoint<NoBody, ListResponse<CallDetailRecord>>(.get, "cdr", "Call detail records, newest first", needs: Permission(.reportsAndRecordings, .view), query: [
            .init("since", "ISO 8601 time or a duration back"), .init("until", "ISO 8601 time or a duration back"),
            .init("party", "caller or callee"), .init("disposition", "answered, busy, no answer, cancelled, failed, refused"),
            .init("limit", "1-100000, default 100"), .init("format", "csv: text/csv instead of JSON"),
        ])

    // MARK: Network defense

    public static let networkSettings = AdminEndpoint<NoBody, NetworkSettings>(.get, "network", "The network layer's settings", needs: Permission(.security, .view))
    public static let updateNetworkSettings = AdminEndpoint<NetworkSettings, NetworkSettings>(.put, "network", "Replace the network layer's settings", needs: Permission(.security, .manage), query: [.init("force", "true: apply even if it cuts off the caller")])
    public static let blocks = AdminEndpoint<NoBody, ListResponse<NetworkBlockRecord>>(.get, "network/blocks", "Blocked sources", needs: Permission(.security, .view), query: [
            .init("source", "an address or range the block covers"), .init("defenseType", "manual, auto defense, extension registration..."),
            .init("limit", "1-1000000"),
        ])
    public static let block = AdminEndpoint<ManualBlockRequest, NetworkBlockRecord>(.post, "network/blocks", "Block a source", needs: Permission(.security, .manage), status: .created)
    public static let unblock = AdminEndpoint<NoBody, ListResponse<NetworkBlockRecord>>(.delete, "network/blocks/:target", "Remove blocks by id or source", needs: Permission(.security, .manage))

    // MARK: Routing and the outbound policy

    public static let routing = AdminEndpoint<NoBody, RoutingSettings>(.get, "routing", "Trunks, outbound and inbound routes", needs: Permission(.callControl, .view))
    public static let trunks = AdminEndpoint<NoBody, ListResponse<TrunkSettings>>(.get, "trunks", "Trunks, without passwords", needs: Permission(.extensionsAndTrunks, .view))
    public static let routes = AdminEndpoint<NoBody, ListResponse<OutboundRoute>>(.get, "routes", "Outbound routes", needs: Permission(.callControl, .view))
    public static let inboundRoutes = AdminEndpoint<NoBody, ListResponse<InboundRoute>>(.get, "inbound-routes", "Inbound routes", needs: Permission(.callControl, .view))
    public static let addTrunk = AdminEndpoint<TrunkSettings, RoutingSettings>(.post, "trunks", "Add a trunk", needs: Permission(.extensionsAndTrunks, .manage), status: .created)
    public static let addRoute = AdminEndpoint<OutboundRoute, RoutingSettings>(.post, "routes", "Add an outbound route", needs: Permission(.callControl, .manage), status: .created)
    public static let addInboundRoute = AdminEndpoint<InboundRoute, RoutingSettings>(.post, "inbound-routes", "Add an inbound route", needs: Permission(.callControl, .manage), status: .created)
    public static let removeTrunk = AdminEndpoint<NoBody, RoutingSettings>(.delete, "trunks/:name", "Remove a trunk no route uses", needs: Permission(.extensionsAndTrunks, .manage))
    public static let removeRoute = AdminEndpoint<NoBody, RoutingSettings>(.delete, "routes/:name", "Remove an outbound route", needs: Permission(.callControl, .manage))
    public static let removeInboundRoute = AdminEndpoint<NoBody, RoutingSettings>(.delete, "inbound-routes/:name", "Remove an inbound route", needs: Permission(.callControl, .manage))
    public static let outboundPolicy = AdminEndpoint<NoBody, OutboundPolicySettings>(.get, "outbound-policy", "The outbound call policy", needs: Permission(.security, .view))
    public static let setOutboundPolicy = AdminEndpoint<OutboundPolicySettings, OutboundPolicySettings>(.put, "outbound-policy", "Replace the outbound call policy", needs: Permission(.security, .manage))
    public static let outboundLocks = AdminEndpoint<NoBody, ListResponse<OutboundLockView>>(.get, "outbound-locks", "Extensions locked for outbound calls", needs: Permission(.security, .view))
    public static let unlockOutbound = AdminEndpoint<NoBody, ListResponse<OutboundLockView>>(.delete, "outbound-locks/:extension", "Let a locked extension call out again", needs: Permission(.security, .manage))
}
