import Events
import Foundation
import Logging
import Storage

/// The live PBX state shared by the SIP side and the admin API: one directory, one location service, one
/// dispatcher, one event bus. Built once at start from the store.
public final class PBXRuntime: Sendable {
    public let configuration: PBXConfiguration
    public let store: any PortcullisStore
    public let bus: EventBus
    public let directory: ExtensionDirectory
    public let location: LocationService
    public let dispatcher: SIPRequestDispatcher
    public let logger: Logger

    /// Loads extensions and live bindings; `nonceKey` signs digest nonces (kept in the store, so nonces survive restarts).
    public init(configuration: PBXConfiguration, store: any PortcullisStore, bus: EventBus, nonceKey: [UInt8], logger: Logger) async throws {
        self.configuration = configuration
        self.store = store
        self.bus = bus
        self.logger = logger
        directory = ExtensionDirectory(try await store.extensions())
        location = LocationService()
        location.load(try await store.bindings(), now: Date())
        let authenticator = RegistrationAuthenticator(configuration: configuration, key: nonceKey, directory: directory)
        dispatcher = SIPRequestDispatcher(configuration: configuration, authenticator: authenticator, location: location, bus: bus, logger: logger)
    }

    func writeBindings(_ batch: [BindingChange]) async {
        guard !batch.isEmpty else { return }
        do {
            try await store.applyBindingChanges(batch)
        } catch {
            logger.error("location write failed", metadata: ["error": "\(error)", "changes": "\(batch.count)"])
        }
    }
}
