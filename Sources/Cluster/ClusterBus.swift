import DefenseRuntime
import Foundation
import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// Carries `ClusterMessage`s between nodes over the store's announcements (PostgreSQL LISTEN/NOTIFY). Sending never
/// waits: messages go through a bounded queue (the oldest dropped and counted when the store cannot keep up). Each
/// message names its node, which ignores its own. A lost listening connection is opened again after a pause, and the
/// node then reads the shared state again (`resync`): what was announced meanwhile is not replayed.
public final class ClusterBus: Service, Sendable {
    private let registry: any ClusterRegistry
    private let node: String
    private let logger: Logger
    private let outgoing: AsyncStream<String>
    private let queue: AsyncStream<String>.Continuation
    private let handler = Mutex<(@Sendable (ClusterMessage, _ node: String) async -> Void)?>(nil)
    private let dropped = Atomic<Int>(0)

    /// Messages waiting to be announced.
    public static let queueLimit = 10_000
    /// NOTIFY takes at most 8000 bytes.
    static let payloadLimit = 7_900

    private struct Envelope: Codable {
        var node: String
        var message: ClusterMessage
    }

    public init(registry: any ClusterRegistry, node: String, logger: Logger) {
        self.registry = registry
        self.node = node
        self.logger = logger
        (outgoing, queue) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(ClusterBus.queueLimit))
    }

    /// Who handles messages from the other nodes (with the sending node's name); set once, before `run`.
    public func receive(_ handle: @escaping @Sendable (ClusterMessage, _ node: String) async -> Void) { handler.withLock { $0 = handle } }

    /// Counted results wait here and go out together every `batchInterval`: during a distributed guessing attack one
    /// announcement carries many, so blocks and configuration changes are not queued behind thousands of them.
    private let results = Mutex<Held>(Held())
    private struct Held {
        var registrations: [RegistrationResult] = []
        var logins: [LoginResult] = []
        var locations: [LocationChange] = []
        var count: Int { registrations.count + logins.count + locations.count }
    }
    static let batchInterval = Duration.milliseconds(50)
    /// Results waiting at most; beyond it new ones are dropped and counted (each node still counts its own).
    static let resultLimit = 10_000

    public func send(_ result: RegistrationResult) { hold { $0.registrations.append(result) } }

    public func send(_ result: LoginResult) { hold { $0.logins.append(result) } }

    /// Presence changes go out in the same batches: a node's phones registering after a restart are many at once.
    public func send(_ change: LocationChange) { hold { $0.locations.append(change) } }

    private func hold(_ add: (inout Held) -> Void) {
        let kept = results.withLock { pending in
            guard pending.count < Self.resultLimit else { return false }
            add(&pending)
            return true
        }
        if !kept { dropped.add(1, ordering: .relaxed) }
    }

    /// Announces `message` to the other nodes, later; one too big for an announcement is split by its kind.
    public func send(_ message: ClusterMessage) {
        for part in Self.parts(of: message) {
            guard let data = try? JSONEncoder().encode(Envelope(node: node, message: part)), data.count <= Self.payloadLimit else {
                logger.error("cluster message too large, not sent")
                continue
            }
            if case .dropped = queue.yield(String(decoding: data, as: UTF8.self)) { dropped.add(1, ordering: .relaxed) }
        }
    }

    /// Messages lost to a full queue since start.
    public var droppedMessages: Int { dropped.load(ordering: .relaxed) }

    /// One record per block message: each fits an announcement.
    static func parts(of message: ClusterMessage) -> [ClusterMessage] {
        switch message {
        case .blocks(let added, let removed):
            added.map { .blocks(added: [$0], removed: []) } + stride(from: 0, to: removed.count, by: 500).map {
                .blocks(added: [], removed: Array(removed[$0..<min($0 + 500, removed.count)]))
            }
        case .registrations(let list):
            stride(from: 0, to: list.count, by: 30).map { .registrations(Array(list[$0..<min($0 + 30, list.count)])) }
        case .logins(let list):
            stride(from: 0, to: list.count, by: 30).map { .logins(Array(list[$0..<min($0 + 30, list.count)])) }
        case .locations(let list):
            stride(from: 0, to: list.count, by: 60).map { .locations(Array(list[$0..<min($0 + 60, list.count)])) }
        case .configurationChanged:
            [message]
        }
    }

    public func run() async {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.announceQueued() }
                group.addTask { await self.batchResults() }
                group.addTask { await self.listen() }
                await group.waitForAll()
            }
        }
        queue.finish()
    }

    private func announceQueued() async {
        for await payload in outgoing {
            do {
                try await registry.announce(payload)
            } catch {
                logger.warning("cluster announcement not sent", metadata: ["error": "\(error)"])
            }
        }
    }

    private func batchResults() async {
        while (try? await Task.sleep(for: Self.batchInterval)) != nil {
            let held = results.withLock { pending in
                defer { pending = Held() }
                return pending
            }
            if !held.registrations.isEmpty { send(.registrations(held.registrations)) }
            if !held.logins.isEmpty { send(.logins(held.logins)) }
            if !held.locations.isEmpty { send(.locations(held.locations)) }
        }
    }

    /// What this node does when its announcements flow again after a loss: read the shared state from the store, since
    /// whatever was announced in between is gone.
    public func resync(_ handle: @escaping @Sendable () async -> Void) { resyncHandler.withLock { $0 = handle } }
    private let resyncHandler = Mutex<(@Sendable () async -> Void)?>(nil)

    private func listen() async {
        var first = true
        while !Task.isCancelled {
            do {
                try await registry.listen(listening: { [self, first] in
                    if !first, let handle = resyncHandler.withLock({ $0 }) { await handle() }
                }, { [self] payload in await deliver(payload) })
            } catch {
                logger.warning("cluster announcements lost; listening again", metadata: ["error": "\(error)"])
            }
            first = false
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func deliver(_ payload: String) async {
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(payload.utf8)) else {
            logger.warning("unreadable cluster announcement ignored")
            return
        }
        guard envelope.node != node, let handle = handler.withLock({ $0 }) else { return }
        await handle(envelope.message, envelope.node)
    }
}
