import Cluster
import DefenseRuntime
import Foundation
import GeoIP
import Logging
import Model
import Storage
import Synchronization
import Testing

/// The store's announcements without a database: every announcement reaches every listener (the sender too, as
/// NOTIFY does), and a test can cut the listening connections.
final class FakeRegistry: ClusterRegistry {
    private struct Lost: Error {}
    private let listeners = Mutex<[UUID: AsyncStream<String>.Continuation]>([:])

    func join(_ node: ClusterNode, aliveSince: Date) async throws -> Bool { true }
    func heartbeat(_ node: ClusterNode) async throws {}
    func leave(_ name: String, at time: Date) async throws {}
    func nodes() async throws -> [ClusterNode] { [] }

    func announce(_ payload: String) async throws {
        listeners.withLock { for continuation in $0.values { continuation.yield(payload) } }
    }

    func listen(listening: @escaping @Sendable () async -> Void, _ receive: @escaping @Sendable (String) async -> Void) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let id = UUID()
        listeners.withLock { $0[id] = continuation }
        await listening()
        for await payload in stream { await receive(payload) }
        listeners.withLock { _ = $0.removeValue(forKey: id) }
        throw Lost()
    }

    var listening: Int { listeners.withLock { $0.count } }

    /// Every listening connection is lost.
    func cut() { listeners.withLock { for continuation in $0.values { continuation.finish() } } }
}

@Suite struct ClusterBusTests {
    final class Inbox: Sendable {
        let messages = Mutex<[ClusterMessage]>([])
        let resyncs = Atomic<Int>(0)
        var all: [ClusterMessage] { messages.withLock { $0 } }
    }

    func running(_ registry: FakeRegistry, _ name: String) -> (ClusterBus, Inbox, Task<Void, Never>) {
        let bus = ClusterBus(registry: registry, node: name, logger: Logger(label: "test"))
        let inbox = Inbox()
        bus.receive { message, _ in inbox.messages.withLock { $0.append(message) } }
        bus.resync { inbox.resyncs.add(1, ordering: .relaxed) }
        return (bus, inbox, Task { await bus.run() })
    }

    /// Nodes a and b on one registry, once both listen; the caller cancels `tasks`.
    func listeningPair() async throws -> (a: ClusterBus, aInbox: Inbox, bInbox: Inbox, tasks: [Task<Void, Never>]) {
        let registry = FakeRegistry()
        let (a, aInbox, aTask) = running(registry, "a")
        let (_, bInbox, bTask) = running(registry, "b")
        try await eventually("both listen") { registry.listening == 2 }
        return (a, aInbox, bInbox, [aTask, bTask])
    }

    /// Polls `condition` until it holds; the deadline is generous: the whole suite shares two cores.
    func eventually(_ what: String, within seconds: Double = 60, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            #expect(Date() < deadline, "\(what)")
            if Date() >= deadline { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func anotherNodesMessagesArriveAndOnesOwnAreIgnored() async throws {
        let (a, aInbox, bInbox, tasks) = try await listeningPair()
        defer { tasks.forEach { $0.cancel() } }
        a.send(.configurationChanged(section: "extensions"))
        try await eventually("b hears a") { bInbox.all == [.configurationChanged(section: "extensions")] }
        #expect(aInbox.all.isEmpty, "a ignores its own announcement")
    }

    @Test func aLocationChangeCarriesTheContactsThatMovedAndOneFromAnOlderNodeStillReads() async throws {
        let (a, _, bInbox, tasks) = try await listeningPair()
        defer { tasks.forEach { $0.cancel() } }
        let moved = LocationChange(aor: "1002", present: true, contacts: ["sip:1002@192.0.2.20:5062"])
        a.send(moved)
        try await eventually("b hears the contact") { bInbox.all == [.locations([moved])] }
        let older = try JSONDecoder().decode(LocationChange.self, from: Data(#"{"aor":"1002","present":false}"#.utf8))
        #expect(older == LocationChange(aor: "1002", present: false))
    }

    @Test func countedResultsGoOutInBatchesAndAllArrive() async throws {
        let (a, _, bInbox, tasks) = try await listeningPair()
        defer { tasks.forEach { $0.cancel() } }
        let address = try #require(IPAddress("192.0.2.7"))
        for index in 0..<70 {
            a.send(RegistrationResult(address: address, account: "\(1000 + index)", known: true, succeeded: false, time: Date()))
        }
        func received() -> [RegistrationResult] {
            bInbox.all.flatMap { message -> [RegistrationResult] in if case .registrations(let list) = message { list } else { [] } }
        }
        try await eventually("all 70 arrive") { received().count == 70 }
        #expect(received().map(\.account) == (0..<70).map { "\(1000 + $0)" }, "in order")
        #expect(bInbox.all.count < 10, "in a few announcements, not one per result")
    }

    @Test func aNodeThatLostItsAnnouncementsResyncsWhenTheyFlowAgain() async throws {
        let registry = FakeRegistry()
        let (_, inbox, task) = running(registry, "a")
        defer { task.cancel() }
        try await eventually("listening") { registry.listening == 1 }
        #expect(inbox.resyncs.load(ordering: .relaxed) == 0, "nothing to catch up at the first start: it read the store")
        registry.cut()
        try await eventually("listening again, and caught up") { registry.listening == 1 && inbox.resyncs.load(ordering: .relaxed) == 1 }
    }
}
