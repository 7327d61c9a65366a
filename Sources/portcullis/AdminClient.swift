import AdminAPI
import Defense
import Foundation
import Model
import PBX
import Storage

/// What the CLI needs from a Portcullis, whether a server answers on the data directory's socket or not.
protocol AdminClient: Sendable {
    func createExtension(_ request: CreateExtensionRequest) async throws -> ExtensionWithSecret
    func extensions() async throws -> [ExtensionView]
    func extensionView(_ number: String) async throws -> ExtensionView
    func updateExtension(_ number: String, _ request: UpdateExtensionRequest) async throws -> ExtensionWithSecret
    func deleteExtension(_ number: String) async throws
    func registrations() async throws -> [RegistrationView]
    func events(_ parameters: [(String, String)]) async throws -> [EventView]
    func callRecords(_ parameters: [(String, String)]) async throws -> [CallDetailRecord]
    func createToken(name: String) async throws -> CreatedToken
    func tokens() async throws -> [TokenView]
    func setup(_ request: SetupRequest) async throws -> CreatedToken
    func exportConfiguration(secrets: Bool) async throws -> String
    func applyConfiguration(yaml: String, file: String, force: Bool) async throws -> ConfigApplyResult
    func networkSettings() async throws -> NetworkSettings
    func updateNetworkSettings(_ settings: NetworkSettings, force: Bool) async throws -> NetworkSettings
    func blocks(_ query: NetworkBlockQuery) async throws -> [NetworkBlockRecord]
    func block(_ request: ManualBlockRequest) async throws -> NetworkBlockRecord
    func unblock(_ target: String) async throws -> [NetworkBlockRecord]
    func registrationDefense() async throws -> RegistrationDefenseSettings
    func updateRegistrationDefense(_ settings: RegistrationDefenseSettings) async throws -> RegistrationDefenseSettings
    func routing() async throws -> RoutingSettings
    func addTrunk(_ trunk: TrunkSettings) async throws -> RoutingSettings
    func addRoute(_ route: OutboundRoute) async throws -> RoutingSettings
    func addInboundRoute(_ route: InboundRoute) async throws -> RoutingSettings
    func removeRouting(_ kind: RoutingKind, named name: String) async throws -> RoutingSettings
    func outboundPolicy() async throws -> OutboundPolicySettings
    func setOutboundPolicy(_ policy: OutboundPolicySettings) async throws -> OutboundPolicySettings
    func outboundLocks() async throws -> [OutboundLockView]
    func unlockOutbound(_ number: String) async throws -> [OutboundLockView]
    func shutdown() async
}

enum AdminClients {
    /// The running server through its socket, or the store directly when no server listens there.
    static func connect(_ options: DataDirectoryOptions) async throws -> any AdminClient {
        if let socket = await SocketAdminClient.connect(socketPath: options.socketPath) { return socket }
        return try await DirectAdminClient.open(options)
    }
}
