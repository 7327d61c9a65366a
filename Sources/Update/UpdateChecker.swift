import AsyncHTTPClient
import Events
import Foundation
import Model
import NIOCore
import NIOHTTP1
import NIOSSL
import Storage

/// Looks at the release feed once: fetch (HTTPS, bounded size and time), verify the signature, decide
/// (`UpdateDecision`), remember, and tell: "New Version Detected" once per version; "Update Check Failed" (a warning)
/// for an unreachable feed, a bad signature or a rollback, which change nothing. It never installs anything.
public struct UpdateChecker: Sendable {
    static let maxDocument = 65_536

    let store: any PortcullisStore
    let publish: @Sendable (PortcullisEvent) async -> Void
    let running: SemanticVersion

    public init(store: any PortcullisStore, running: SemanticVersion = SemanticVersion(PortcullisVersion.current)!,
                publish: @escaping @Sendable (PortcullisEvent) async -> Void) {
        self.store = store
        self.running = running
        self.publish = publish
    }

    /// What a check found, as `update check` shows it.
    public struct Result: Codable, Sendable {
        public var running: String
        public var offered: String?
        public var newer: Bool
        public var notes: String?
        public var problem: String?
    }

    public func check() async throws -> Result {
        let settings = try await store.settings(UpdateSettings.self)
        var state = try await store.settings(UpdateState.self)
        state.lastCheck = Date()
        do {
            guard let key = settings.key else { throw UpdateError.malformed("no valid release key is configured") }
            let manifest = try ReleaseManifest.verified(try await fetch(settings), key: key)
            let decision = UpdateDecision(manifest: manifest, running: running, state: state)
            state = decision.state
            state.lastCheck = Date()
            var result = Result(running: running.description, offered: manifest.version.description, newer: false, notes: manifest.notes)
            switch decision.outcome {
            case .rollback(let offered, let seen):
                throw UpdateError.rollback(offered: offered.description, seen: seen.description)
            case .newer(let version, let direct):
                result.newer = true
                await publish(PortcullisEvent(EventCatalogue.newVersionDetected, fields: [
                    "version": version.description, "notes": manifest.notes, "running": running.description,
                    "upgrade": direct ? "direct" : "through \(manifest.minimumVersion) first",
                ]))
            case .alreadyAnnounced:
                result.newer = true
            case .current:
                break
            }
            state.lastResult = result.newer ? "\(manifest.version) available" : "up to date"
            try await store.save(state)
            return result
        } catch let error as UpdateError {
            state.lastResult = error.description
            try await store.save(state)
            await publish(PortcullisEvent(EventCatalogue.updateCheckFailed, fields: ["reason": error.description, "feed": settings.feed]))
            return Result(running: running.description, offered: nil, newer: false, notes: nil, problem: error.description)
        }
    }

    private func fetch(_ settings: UpdateSettings) async throws(UpdateError) -> Data {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile = settings.caFile { tls.trustRoots = .file(caFile) }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow))
        defer { _ = client.shutdown() }
        do {
            let response = try await client.execute(HTTPClientRequest(url: settings.feed), timeout: .seconds(15))
            guard response.status == .ok else { throw UpdateError.unreachable("the feed answered \(response.status.code)") }
            let body = try await response.body.collect(upTo: UpdateChecker.maxDocument)
            return Data(body.readableBytesView)
        } catch let error as UpdateError {
            throw error
        } catch {
            throw .unreachable("\(error)")
        }
    }
}
