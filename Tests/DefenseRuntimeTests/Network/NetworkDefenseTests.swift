import Defense
import Events
import Foundation
import GeoIP
import Logging
import Model
import NIOEmbedded
import Storage
import Synchronization
import TestSupport
import Testing
@testable import DefenseRuntime

/// The defense over a real SQLite store, its guard decided from the test thread (the shards' shared, locked state).
struct NetworkDefenseTests {
    final class Events: Sendable {
        let list = Mutex<[PortcullisEvent]>([])
        func names() -> [String] { list.withLock { $0.map(\.kind.name) } }
        func last(_ name: String) -> [String: String]? { list.withLock { $0.last { $0.kind.name == name }?.fields } }
    }

    let store: SQLiteStore
    let events = Events()
    let shards: NetworkGuardShards
    let defense: NetworkDefense
    let sip = NetworkEndpoint(service: .sip, transport: .udp, port: 5060)

    init() throws {
        let path = ScratchDirectory.file("defense").path
        store = try SQLiteStore(path: path)
        shards = NetworkGuardShards(loops: [], snapshot: NetworkSnapshot(settings: NetworkSettings(), allow: [], blocks: [], countries: nil))
        let events = events
        defense = NetworkDefense(store: store, publishEvent: { event in events.list.withLock { $0.append(event) } },
                                 logger: Logger(label: "test"), shards: shards)
    }

    /// Decided off the event loops, as a test thread is: the shards' shared, locked state.
    func verdict(_ source: String, _ endpoint: NetworkEndpoint) -> NetworkVerdict {
        shards.decide(IPAddress(source)!, endpoint: endpoint, on: EmbeddedEventLoop())
    }

    func trip(_ source: String, rule: Int = 0, at time: Date = Date(), over endpoint: NetworkEndpoint? = nil) throws -> AutoDefenseTrip {
        AutoDefenseTrip(rule: rule, source: try IPNetwork(parsing: source), endpoint: endpoint ?? sip, packets: 41, monitorOnly: false,
                        time: Int64(time.timeIntervalSince1970 * 1e9))
    }

    @Test func aTripBecomesAStoredEscalatingBlockWithItsEvent() async throws {
        try await defense.load()
        let start = Date()
        await defense.record(try trip("192.0.2.1", at: start))
        await defense.publishIfStale()
        var stored = try await store.blocks(NetworkBlockQuery())
        #expect(stored.count == 1)
        let first = try #require(stored.first)
        #expect(first.defenseType == "auto defense" && first.rule == "SIP UDP" && first.service == "sip" && first.protocol == "udp")
        #expect(first.port == 5060 && first.offense == 1 && abs((first.expiresAt?.timeIntervalSince(start) ?? 0) - 600) < 1)
        let fields = try #require(events.last("Auto Defense IP Blocked Out"))
        #expect(fields["source"] == "192.0.2.1" && fields["duration"] == "600s" && fields["packets"] == "41" && fields["action"] == "blocked")
        #expect(verdict("192.0.2.1", sip) == .drop(.blocked(id: first.id!)))

        // The same source again, after its block: four times longer each time. Over UDP (forgeable) never permanent;
        // over TCP (a completed handshake) the fourth offense is.
        for (source, endpoint) in [("192.0.2.1", sip), ("192.0.2.9", NetworkEndpoint(service: .sip, transport: .tcp, port: 5060))] {
            for offense in 1...5 {
                _ = try await store.deleteBlocks(ids: stored.compactMap(\.id))
                try await defense.load()
                if source == "192.0.2.1" && offense == 1 { continue }
                await defense.record(try trip(source, at: start.addingTimeInterval(Double(offense)), over: endpoint))
                stored = try await store.blocks(NetworkBlockQuery())
                #expect(stored.first?.offense == offense)
            }
            if endpoint.transport == .udp {
                #expect(stored.first.flatMap(\.expiresAt).map { abs($0.timeIntervalSince(start) - 5 - 9_600) < 1 } == true)
            } else {
                #expect(stored.first?.expiresAt == nil)
                #expect(events.last("Auto Defense IP Blocked Out")?["expiresAt"] == "permanent")
            }
        }
    }

    @Test func aConfiguredTrunkIsReportedNeverBlocked() async throws {
        try await defense.load()
        await defense.update(trunks: [IPAddress("203.0.113.5")!])
        var counters = RateCounters(capacity: 10)
        let flood = (0..<100).map { packet in
            NetworkGuard.decide(source: IPAddress("203.0.113.5")!, endpoint: sip, now: Int64(packet), snapshot: shards.snapshot,
                                counters: &counters)
        }
        #expect(flood.allSatisfy { $0.verdict == .admit } && flood.contains { $0.trip?.monitorOnly == true })
        await defense.record(try trip("203.0.113.5"))
        shards.block(AutomaticBlock(source: try IPNetwork(parsing: "203.0.113.5"), endpoint: sip, defenseType: "registration lockout",
                                    rule: "failures", baseDuration: 600, time: 0, event: EventCatalogue.registrationBlocked, details: [:]))
        await defense.publishIfStale()
        #expect(try await store.blocks(NetworkBlockQuery()).isEmpty)
        #expect(verdict("203.0.113.5", sip) == .admit)
        #expect(events.last("Auto Defense IP Blocked Out")?["action"]?.hasPrefix("not blocked") == true)
    }

    @Test func expiryAndUnblockAdmitAgainAndAreAnnounced() async throws {
        try await defense.load()
        await defense.record(try trip("192.0.2.2"))
        let id = try #require(try await store.blocks(NetworkBlockQuery()).first?.id)
        await defense.expire(now: Date().addingTimeInterval(601))
        await defense.publishIfStale()
        #expect(try await store.blocks(NetworkBlockQuery()).isEmpty)
        #expect(events.last("IP Unblocked")?["unblockedBy"] == "expiry" && events.last("IP Unblocked")?["id"] == String(id))
        #expect(verdict("192.0.2.2", sip) == .admit)

        let manual = try await defense.block(ManualBlockRequest(source: "198.51.100.0/24", note: "abuse"), caller: nil, by: "tester")
        #expect(manual.defenseType == "manual" && manual.expiresAt == nil && manual.rule == "manual by tester")
        #expect(events.last("IP Blocked")?["blockRange"] == "all services")
        #expect(verdict("198.51.100.77", sip) == .drop(.blocked(id: manual.id!)))
        let removed = try await defense.unblock("198.51.100.0/24", by: "tester")
        #expect(removed.map(\.id) == [manual.id])
        #expect(verdict("198.51.100.77", sip) == .admit)
        #expect(events.last("IP Unblocked")?["unblockedBy"] == "tester")
    }

    @Test func badBlocksAreRefusedAndChangeNothing() async throws {
        try await defense.load()
        var settings = NetworkSettings()
        settings.allow = ["203.0.113.0/24"]
        try await defense.activate(try await defense.prepare(settings, caller: nil, force: false))
        let caller = IPAddress("192.0.2.50")!
        let cases: [(ManualBlockRequest, NetworkDefenseError.Kind)] = [
            (ManualBlockRequest(source: "10.0.0.1/8"), .invalidInput),
            (ManualBlockRequest(source: "10.0.0.0/8", duration: 0), .invalidInput),
            (ManualBlockRequest(source: "203.0.113.9"), .conflict),
            (ManualBlockRequest(source: "192.0.2.0/24"), .wouldLockOut),
        ]
        for (request, kind) in cases {
            await #expect(throws: NetworkDefenseError.self) { _ = try await defense.block(request, caller: caller, by: "t") }
            do {
                _ = try await defense.block(request, caller: caller, by: "t")
            } catch {
                #expect(error.kind == kind, "\(request.source)")
            }
        }
        #expect(try await store.blocks(NetworkBlockQuery()).isEmpty)
        _ = try await defense.block(ManualBlockRequest(source: "192.0.2.0/24", service: .sip, force: nil), caller: caller, by: "t")
        do {
            _ = try await defense.unblock("42", by: "t")
            Issue.record("unblocking a missing id succeeded")
        } catch {
            #expect(error.kind == .notFound)
        }
    }

    @Test func aCountryRuleNeedsADatabaseAndMustNotCutOffTheCaller() async throws {
        try await defense.load()
        var settings = NetworkSettings()
        settings.countries.api = CountryRule(enabled: true, allow: ["DE"])
        settings.geoIP.torFiles = ["/nonexistent/geoip"]
        do {
            _ = try await defense.prepare(settings, caller: nil, force: false)
            Issue.record("enabled a country rule with no database")
        } catch {
            #expect(error.description.contains("no geo-IP database") && error.description.contains("tor-geoipdb"))
        }
        let geo = ScratchDirectory.file("geo").path
        try "# test\n16777216,16777471,AU\n".write(toFile: geo, atomically: true, encoding: .utf8)
        settings.geoIP.torFiles = [geo]
        do {
            _ = try await defense.prepare(settings, caller: IPAddress("1.0.0.1"), force: false)
            Issue.record("a change cutting off the caller was accepted")
        } catch {
            #expect(error.kind == .wouldLockOut && error.description.contains("1.0.0.1") && error.description.contains("country AU"))
        }
        let forced = try await defense.prepare(settings, caller: IPAddress("1.0.0.1"), force: true)
        try await defense.activate(forced)
        #expect(verdict("1.0.0.1", NetworkEndpoint(service: .api, transport: .tcp, port: 8088)) == .drop(.country(CountryCode("AU"))))
        #expect(try await store.settings(NetworkSettings.self) == settings)
    }

    @Test func aChangedGeoIPFileIsReloaded() async throws {
        try await defense.load()
        let geo = ScratchDirectory.file("geo").path
        try "# v1\n16777216,16777471,AU\n".write(toFile: geo, atomically: true, encoding: .utf8)
        var settings = NetworkSettings()
        settings.countries.sip = CountryRule(enabled: true, allow: ["AU"])
        settings.countries.exempt = []
        settings.geoIP.torFiles = [geo]
        try await defense.activate(try await defense.prepare(settings, caller: nil, force: false))
        #expect(verdict("1.0.0.1", sip) == .admit)
        try "# version two of the file\n16777216,16777471,NZ\n".write(toFile: geo, atomically: true, encoding: .utf8)
        await defense.reloadGeoIPIfChanged()
        #expect(verdict("1.0.0.1", sip) == .drop(.country(CountryCode("NZ"))))
        // A file that turns unreadable keeps the copy in memory and says so.
        try "garbage".write(toFile: geo, atomically: true, encoding: .utf8)
        await defense.reloadGeoIPIfChanged()
        #expect(verdict("1.0.0.1", sip) == .drop(.country(CountryCode("NZ"))))
        #expect(events.names().contains("Geo-IP Database Unavailable"))
    }
}
