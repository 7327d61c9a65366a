@testable import Events
import Foundation
import Logging
import Model
import Storage
import TestSupport
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

    @Test func aSlowSubscriberLosesEventsPastItsBufferButNeverAnAlert() async {
        let bus = EventBus(bufferSize: 2)
        let stream = bus.subscribe()
        for index in 0..<5 {
            bus.publish(PortcullisEvent(EventCatalogue.registrationFailed, fields: ["i": String(index)]))
            bus.publish(PortcullisEvent(EventCatalogue.registrationBlocked, fields: ["i": "alert \(index)"]))
        }
        bus.finish()
        var kept: [String] = []
        for await event in stream { kept.append(event.fields["i"] ?? "") }
        #expect(kept == ["0", "alert 0", "1", "alert 1", "alert 2", "alert 3", "alert 4"])
        #expect(bus.dropped == 3)
    }

    @Test func aDeliveredEventMakesRoomAgain() async {
        let bus = EventBus(bufferSize: 1)
        var iterator = bus.subscribe().makeAsyncIterator()
        for index in 0..<3 {
            bus.publish(PortcullisEvent(EventCatalogue.registrationFailed, fields: ["i": String(index)]))
            #expect(await iterator.next()?.fields["i"] == String(index))
        }
        #expect(bus.dropped == 0)
    }

    @Test func aBurstFromOneSourceIsOneEventAndOneSummary() {
        var aggregator = EventAggregator(window: 60, capacity: 2)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        func failure(_ ip: String, _ second: Double) -> PortcullisEvent {
            PortcullisEvent(EventCatalogue.registrationFailed, time: start.addingTimeInterval(second), fields: ["ip": ip, "n": String(second)])
        }
        #expect(aggregator.admit(failure("192.0.2.1", 0), source: "192.0.2.1") != nil)
        for second in 1...179 { #expect(aggregator.admit(failure("192.0.2.1", Double(second) / 10), source: "192.0.2.1") == nil) }
        #expect(aggregator.admit(failure("192.0.2.2", 1), source: "192.0.2.2") != nil)
        // Past the capacity, new sources share one entry.
        #expect(aggregator.admit(failure("192.0.2.3", 2), source: "192.0.2.3") != nil)
        #expect(aggregator.admit(failure("192.0.2.4", 3), source: "192.0.2.4") == nil)
        #expect(aggregator.flush(now: start.addingTimeInterval(30)).isEmpty, "the window is still open")
        let summaries = aggregator.flush(now: start.addingTimeInterval(63)).sorted { $0.fields["ip"]! < $1.fields["ip"]! }
        #expect(summaries.map { $0.fields["ip"] } == ["192.0.2.1", "many"])
        #expect(summaries[0].fields["repeated"] == "179" && summaries[0].fields["n"] == "17.9")
        #expect(summaries[1].fields["repeated"] == "1")
        #expect(aggregator.tracked == 0)
        #expect(aggregator.admit(failure("192.0.2.1", 70), source: "192.0.2.1") != nil, "a new window starts with an event")
    }

    @Test func fieldsFromTheNetworkAreCutAndCleaned() {
        let event = PortcullisEvent(EventCatalogue.registrationFailed, fields: [
            "user_agent": String(repeating: "A", count: 8_000), "account": "evil\r\nInjected: yes", "ip": "192.0.2.1"])
        #expect(event.fields["user_agent"] == String(repeating: "A", count: PortcullisEvent.maxFieldLength) + "…")
        #expect(event.fields["account"] == "evil??Injected: yes")
        #expect(event.fields["ip"] == "192.0.2.1")
    }

    @Test func theWriterStoresEverythingPublishedBeforeTheStreamEnds() async throws {
        let directory = try ScratchDirectory.directory("events")
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

@Suite struct ResourceMonitorTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func anOverloadIsReportedOnceWhenSustainedAndAgainOnlyAfterItEased() {
        var watch = OverloadWatch(sustain: 10)
        let samples: [(Double, Double, Bool)] = [
            (0, 0.95, false), (4, 0.97, false), (8, 0.85, false),  // a dip under 90 % starts the count again
            (10, 0.95, false), (19, 0.99, false), (20, 0.93, true), (30, 0.99, false),  // reported once
            (40, 0.85, false), (50, 0.95, false), (61, 0.95, false),  // above 80 % in between: not re-armed
            (70, 0.5, false), (72, 0.95, false), (82, 0.95, true),  // eased under 80 %: reported again
        ]
        for (second, share, raised) in samples {
            #expect(watch.sample(share, at: start.addingTimeInterval(second)) == raised, "at \(second) s")
        }
    }

    @Test func procReadingsAreParsedAndTheRealOnesAreShares() throws {
        let times = try #require(ResourceMonitor.cpuTimes("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5\n"))
        #expect(times.busy == 150 && times.total == 1_000)
        #expect(ResourceMonitor.cpuTimes("garbage") == nil)
        #expect(ResourceMonitor.memoryUsed("MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 250 kB\n") == 0.75)
        #expect(ResourceMonitor.memoryUsed("MemTotal: 0 kB\n") == nil)
        let memory = try #require(ResourceMonitor.memoryUsed())
        let disk = try #require(ResourceMonitor.diskUsed(NSTemporaryDirectory()))
        #expect((0...1).contains(memory) && (0...1).contains(disk))
        #expect(ResourceMonitor.diskUsed("/no/such/directory") == nil)
        #expect(ResourceMonitor.percent(0.934) == "93%")
    }
}

@Suite struct EventRetentionTests {
    @Test func outOfRangeAgesAreProblemsNotATrap() {
        var retention = EventRetention()
        retention.maxAgeDays = 5_000
        #expect(retention.problems.contains { $0.hasPrefix("events.retention.maxAgeDays") })
        retention.maxAgeDays = 100
        retention.securityMaxAgeDays = 50
        #expect(retention.problems == ["events.retention.securityMaxAgeDays: must be 100-3650 days (not less than maxAgeDays), got 50"])
    }
}
