import Defense
import HTTPTypes
import Model
import PBX

/// Every operation of `/api/v1`, by resource. Adding one: the operation (`AdminService`), its endpoint here, its
/// handler in the resource's route group (`AdminRoutes+*`), and its CLI command.
public enum Endpoints {
    // MARK: Health, metrics, setup, tokens, configuration

    public static let health = AdminEndpoint<NoBody, HealthView>(.get, "/healthz", "Liveness: 503 when a SIP listener no longer listens")
    public static let metrics = AdminEndpoint<NoBody, String>(.get, "/metrics", "Prometheus metrics", answerFormat: .text("text/plain; version=0.0.4"))

    public static let setup = AdminEndpoint<SetupRequest, CreatedToken>(.post, "setup", "Create the Super Administrator with the one-time setup token; answers an API token")
    public static let tokens = AdminEndpoint<NoBody, ListResponse<TokenView>>(.get, "tokens", "List API tokens")
    public static let createToken = AdminEndpoint<CreateTokenRequest, CreatedToken>(.post, "tokens", "Create an API token; its secret is shown this once", status: .created)
    public static let exportConfiguration = AdminEndpoint<NoBody, String>(.get, "config", "The whole configuration as YAML", query: [.init("secrets", "true: extensions carry their HA1 digests")],
              answerFormat: .yaml)
    public static let applyConfiguration = AdminEndpoint<String, ConfigApplyResult>(.put, "config", "Make the configuration equal to a YAML document, in one transaction",
              query: [.init("file", "the file name problems are reported against"), .init("force", "true: apply even if it cuts off the caller")],
              bodyFormat: .yaml)
    public static let openAPI = AdminEndpoint<NoBody, OpenAPIDocument>(.get, "openapi.json", "This document")

    // MARK: Extensions and registrations

    public static let extensions = AdminEndpoint<NoBody, ListResponse<ExtensionView>>(.get, "extensions", "List extensions")
    public static let createExtension = AdminEndpoint<CreateExtensionRequest, ExtensionWithSecret>(.post, "extensions", "Add an extension; a generated password is answered once", status: .created)
    public static let extensionView = AdminEndpoint<NoBody, ExtensionView>(.get, "extensions/:number", "Show one extension")
    public static let updateExtension = AdminEndpoint<UpdateExtensionRequest, ExtensionWithSecret>(.patch, "extensions/:number", "Change an extension; omitted fields stay")
    public static let deleteExtension = AdminEndpoint<NoBody, NoBody>(.delete, "extensions/:number", "Remove an extension", status: .noContent)
    public static let registrations = AdminEndpoint<NoBody, ListResponse<RegistrationView>>(.get, "registrations", "Registered devices")
    public static let registrationDefense = AdminEndpoint<NoBody, RegistrationDefenseSettings>(.get, "registration-defense", "The registration lockout and scanner policy")
    public static let updateRegistrationDefense = AdminEndpoint<RegistrationDefenseSettings, RegistrationDefenseSettings>(.put, "registration-defense", "Replace the registration lockout and scanner policy")

    // MARK: Events and call records

    public static let events = AdminEndpoint<NoBody, ListResponse<EventView>>(.get, "events", "The event log, newest first", query: [
            .init("since", "ISO 8601 time or a duration back (15m, 2h, 7d)"), .init("until", "ISO 8601 time or a duration back"),
            .init("name", "event name, repeatable"), .init("category", "event category"), .init("level", "event level"),
            .init("limit", "1-10000, default 100"),
        ])
    public static let callRecords = AdminEndpoint<NoBody, ListResponse<CallDetailRecord>>(.get, "cdr", "Call detail records, newest first", query: [
            .init("since", "ISO 8601 time or a duration back"), .init("until", "ISO 8601 time or a duration back"),
            .init("party", "caller or callee"), .init("disposition", "answered, busy, no answer, cancelled, failed, refused"),
            .init("limit", "1-100000, default 100"), .init("format", "csv: text/csv instead of JSON"),
        ])

    // MARK: Network defense

    public static let networkSettings = AdminEndpoint<NoBody, NetworkSettings>(.get, "network", "The network layer's settings")
    public static let updateNetworkSettings = AdminEndpoint<NetworkSettings, NetworkSettings>(.put, "network", "Replace the network layer's settings", query: [.init("force", "true: apply even if it cuts off the caller")])
    public static let blocks = AdminEndpoint<NoBody, ListResponse<NetworkBlockRecord>>(.get, "network/blocks", "Blocked sources", query: [
            .init("source", "an address or range the block covers"), .init("defenseType", "manual, auto defense, extension registration..."),
            .init("limit", "1-1000000"),
        ])
    public static let block = AdminEndpoint<ManualBlockRequest, NetworkBlockRecord>(.post, "network/blocks", "Block a source", status: .created)
    public static let unblock = AdminEndpoint<NoBody, ListResponse<NetworkBlockRecord>>(.delete, "network/blocks/:target", "Remove blocks by id or source")

    // MARK: Routing and the outbound policy

    public static let routing = AdminEndpoint<NoBody, RoutingSettings>(.get, "routing", "Trunks, outbound and inbound routes")
    public static let trunks = AdminEndpoint<NoBody, ListResponse<TrunkSettings>>(.get, "trunks", "Trunks, without passwords")
    public static let routes = AdminEndpoint<NoBody, ListResponse<OutboundRoute>>(.get, "routes", "Outbound routes")
    public static let inboundRoutes = AdminEndpoint<NoBody, ListResponse<InboundRoute>>(.get, "inbound-routes", "Inbound routes")
    public static let addTrunk = AdminEndpoint<TrunkSettings, RoutingSettings>(.post, "trunks", "Add a trunk", status: .created)
    public static let addRoute = AdminEndpoint<OutboundRoute, RoutingSettings>(.post, "routes", "Add an outbound route", status: .created)
    public static let addInboundRoute = AdminEndpoint<InboundRoute, RoutingSettings>(.post, "inbound-routes", "Add an inbound route", status: .created)
    public static let removeTrunk = AdminEndpoint<NoBody, RoutingSettings>(.delete, "trunks/:name", "Remove a trunk no route uses")
    public static let removeRoute = AdminEndpoint<NoBody, RoutingSettings>(.delete, "routes/:name", "Remove an outbound route")
    public static let removeInboundRoute = AdminEndpoint<NoBody, RoutingSettings>(.delete, "inbound-routes/:name", "Remove an inbound route")
    public static let outboundPolicy = AdminEndpoint<NoBody, OutboundPolicySettings>(.get, "outbound-policy", "The outbound call policy")
    public static let setOutboundPolicy = AdminEndpoint<OutboundPolicySettings, OutboundPolicySettings>(.put, "outbound-policy", "Replace the outbound call policy")
    public static let outboundLocks = AdminEndpoint<NoBody, ListResponse<OutboundLockView>>(.get, "outbound-locks", "Extensions locked for outbound calls")
    public static let unlockOutbound = AdminEndpoint<NoBody, ListResponse<OutboundLockView>>(.delete, "outbound-locks/:extension", "Let a locked extension call out again")
}
