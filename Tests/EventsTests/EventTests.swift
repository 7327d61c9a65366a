import Events
import Foundation
import Logging
import Storage
import Testing

@Suite("Event bus and event log")
struct EventTests {
    @Test func catalogueNamesAreUnique() {
        #expect(Set(EventCatalogue.all.map(\.name)).count == EventCatalogue.all.count)
        #expect(EventCatalogue.kind(named: "Extension Registration Failed") == EventCatalogue.registrationFailed)
    }

    @Test func everySubscriberGetsEveryEvent() async {
        let bus = EventBus()
        let first = bus.subscribe()
        let second = bus.subscribe()
        bus.publish(PortcullisEvent(EventCatalogue.serverStarted))
        bus.publish(PortcullisEvent(EventCatalogue.serverStopped))
        bus.finish()
        var names: [String] = []
        for await event in first { names.append(event.kind.name) }
        for await event in second { names.append(event.kind.name) }
        #expect(names == ["Server Started", "Server Stopped", "Server Started", "Server Stopped"])
    }

    @Test func aSlowSubscriberLosesOldestEventsAndTheyAreCounted() async {
        let bus = EventBus(bufferSize: 2)
        let stream = bus.subscribe()
        for index in 0..<5 { bus.publish(PortcullisEvent(EventCatalogue.registrationFailed, fields: ["i": String(index)])) }
        bus.finish()
        var kept: [String] = []
        for await event in stream { kept.append(event.fields["i"] ?? "") }
        #expect(kept == ["3", "4"])
        #expect(bus.dropped == 3)
    }

    @Test func theWriterStoresEverythingPublishedBeforeTheStreamEnds() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("e.sqlite").path)
        let bus = EventBus()
        let writer = EventLogWriter(store: store, logger: Logger(label: "test"), interval: .milliseconds(10))
        let stream = bus.subscribe()
        async let done: Void = writer.run(stream)
        for index in 0..<300 {
            bus.publish(PortcullisEvent(EventCatalogue.registrationFailed, fields: ["i": String(index), "ip": "192.0.2.1"]))
        }
        bus.finish()
        await done
        let stored = try await store.events(EventQuery(names: ["Extension Registration Failed"], limit: 1_000))
        #expect(stored.count == 300)
        #expect(stored.first?.fields["ip"] == "192.0.2.1")
        #expect(stored.first?.category == "registration")
    }
}
