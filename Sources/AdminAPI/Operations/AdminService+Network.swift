import Defense
import DefenseRuntime
import Events
import GeoIP
import Model
import PBX
import Storage

extension AdminService {
    public func networkSettings() async throws(AdminError) -> NetworkSettings {
        try await networkCall { try await network.currentSettings() }
    }

    /// Replaces the network settings; refused (nothing changes) when invalid, when a country rule has no readable
    /// geo-IP database, or when `caller` would be cut off and `force` is not set.
    public func updateNetworkSettings(_ settings: NetworkSettings, caller: IPAddress?, callerPort: Int = 0,
                                      force: Bool) async throws(AdminError) -> NetworkSettings {
        let prepared = try await networkCall { try await network.prepare(settings, caller: caller, callerPort: callerPort, force: force) }
        try await networkCall { try await network.activate(prepared) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "network"]))
        return prepared.settings
    }

    public func blocks(_ query: NetworkBlockQuery) async throws(AdminError) -> [NetworkBlockRecord] {
        try await networkCall { try await network.blockList(query) }
    }

    public func block(_ request: ManualBlockRequest, caller: IPAddress?, actor: String) async throws(AdminError) -> NetworkBlockRecord {
        try await networkCall { try await network.block(request, caller: caller, by: actor) }
    }

    /// Removes blocks by id or source; with a running server the source is admitted again at once.
    public func unblock(_ target: String, actor: String, caller: IPAddress? = nil) async throws(AdminError) -> [NetworkBlockRecord] {
        try await networkCall { try await network.unblock(target, by: actor, from: caller) }
    }

    func networkCall<T>(_ body: () async throws -> T) async throws(AdminError) -> T {
        do {
            return try await body()
        } catch let error as NetworkDefenseError {
            let kind: AdminError.Kind = switch error.kind {
            case .invalidInput: .invalidInput
            case .notFound: .notFound
            case .wouldLockOut: .wouldLockOut
            case .conflict: .conflict
            case .storage: .internalError
            }
            throw AdminError(kind, error.description, problems: error.problems)
        } catch {
            throw AdminError(.internalError, "\(error)")
        }
    }
}
