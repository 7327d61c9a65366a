import AdminAPI
import Defense
import Foundation
import Model
import PBX
import SIPAuth
import Storage

/// Runs admin operations on the store itself, for when no server is running (provisioning before first start).
struct DirectAdminClient: AdminClient {
    let service: AdminService

    static func open(_ options: DataDirectoryOptions) async throws -> DirectAdminClient {
        try options.prepare()
        let store = try SQLiteStore(path: options.databasePath)
        let secrets = try await AdminService.secrets(store)
        return DirectAdminClient(service: AdminService(store: store, realm: secrets.realm, runtime: nil,
                                                              secrets: try SecretBox.load(orCreateAt: options.secretKeyPath),
                                                              setupTokenFile: options.setupTokenPath))
    }

    func createExtension(_ request: CreateExtensionRequest) async throws -> ExtensionWithSecret { try await service.createExtension(request) }
    func extensions() async throws -> [ExtensionView] { try await service.extensions() }
    func extensionView(_ number: String) async throws -> ExtensionView { try await service.extensionView(number) }
    func updateExtension(_ number: String, _ request: UpdateExtensionRequest) async throws -> ExtensionWithSecret {
        try await service.updateExtension(number, request)
    }
    func deleteExtension(_ number: String) async throws { try await service.deleteExtension(number) }
    func registrations() async throws -> [RegistrationView] { try await service.registrations() }

    func events(_ parameters: [(String, String)]) async throws -> [EventView] {
        try await service.events(try QueryParameters(parameters).events())
    }

    func callRecords(_ parameters: [(String, String)]) async throws -> [CallDetailRecord] {
        try await service.callRecords(try QueryParameters(parameters).calls())
    }

    func createToken(name: String) async throws -> CreatedToken { try await service.createToken(name: name) }
    func tokens() async throws -> [TokenView] { try await service.tokens() }
    func setup(_ request: SetupRequest) async throws -> CreatedToken { try await service.setup(request) }
    func exportConfiguration(secrets: Bool) async throws -> String { try await service.exportConfiguration(secrets: secrets) }
    func applyConfiguration(yaml: String, file: String, force: Bool) async throws -> ConfigApplyResult {
        try await service.applyConfiguration(yaml: yaml, file: file, force: force)
    }
    func networkSettings() async throws -> NetworkSettings { try await service.networkSettings() }
    func updateNetworkSettings(_ settings: NetworkSettings, force: Bool) async throws -> NetworkSettings {
        try await service.updateNetworkSettings(settings, caller: nil, force: force)
    }
    func blocks(_ query: NetworkBlockQuery) async throws -> [NetworkBlockRecord] { try await service.blocks(query) }
    func block(_ request: ManualBlockRequest) async throws -> NetworkBlockRecord { try await service.block(request, caller: nil, actor: "cli") }
    func unblock(_ target: String) async throws -> [NetworkBlockRecord] { try await service.unblock(target, actor: "cli") }
    func registrationDefense() async throws -> RegistrationDefenseSettings { try await service.registrationDefense() }
    func routing() async throws -> RoutingSettings { try await service.routing() }
    func addTrunk(_ trunk: TrunkSettings) async throws -> RoutingSettings { try await service.addTrunk(trunk) }
    func addRoute(_ route: OutboundRoute) async throws -> RoutingSettings { try await service.addRoute(route) }
    func addInboundRoute(_ route: InboundRoute) async throws -> RoutingSettings { try await service.addInboundRoute(route) }
    func outboundPolicy() async throws -> OutboundPolicySettings { try await service.outboundPolicy() }
    func setOutboundPolicy(_ policy: OutboundPolicySettings) async throws -> OutboundPolicySettings { try await service.setOutboundPolicy(policy) }
    func outboundLocks() async throws -> [OutboundLockView] { try await service.outboundLocks() }
    func unlockOutbound(_ number: String) async throws -> [OutboundLockView] { try await service.unlockOutbound(number, actor: "cli") }
    func removeRouting(_ kind: RoutingKind, named name: String) async throws -> RoutingSettings {
        try await service.removeRouting(kind, named: name)
    }
    func updateRegistrationDefense(_ settings: RegistrationDefenseSettings) async throws -> RegistrationDefenseSettings {
        try await service.updateRegistrationDefense(settings)
    }
    func shutdown() async {}
}
