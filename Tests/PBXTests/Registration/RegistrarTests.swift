import Foundation
import Model
import PBX
import SIPCore
import Storage
import Synchronization
import Testing

@Suite("Registrar rules (RFC 3261 section 10.3)")
struct RegistrarTests {
    let registrar = Registrar(bounds: RegistrationBounds().with { $0.defaultExpires = 1800; $0.maxContacts = 3 })
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func register(_ contacts: [String], expires: Int? = nil, callID: String = "call-1", cseq: Int = 1) -> SIPRequest {
        var headers = SIPHeaders([
            (.via, "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK\(cseq)"), (.from, "<sip:1001@pbx>;tag=x"), (.to, "<sip:1001@pbx>"),
            (.callID, callID), (.cseq, "\(cseq) REGISTER"),
        ])
        for contact in contacts { headers.append(.contact, contact) }
        if let expires { headers.append(.expires, String(expires)) }
        return SIPRequest(method: .register, uri: try! URI(parsing: "sip:pbx"), headers: headers)
    }

    func decide(_ request: SIPRequest, current: [Binding] = []) -> RegistrarDecision {
        registrar.decide(request, aor: "1001", current: current, source: "udp:10.0.0.1:5060", transport: "UDP", now: now)
    }

    @Test func theExtensionsDeviceLimitRefusesOrReplacesTheOldest() {
        let first = registrar.decide(register(["<sip:desk@10.0.0.1>"]), aor: "1001", current: [], source: "", transport: "UDP",
                                     now: now, devices: 1)
        #expect(first.statusCode == 200 && first.bindings.count == 1)
        let later = now.addingTimeInterval(10)
        let second = registrar.decide(register(["<sip:mobile@10.0.0.2>"], callID: "call-2"), aor: "1001", current: first.bindings,
                                      source: "", transport: "UDP", now: later, devices: 1)
        #expect(second.statusCode == 403 && second.reason?.contains("1 device registered at once") == true)
        #expect(second.bindings.map(\.contact) == ["sip:desk@10.0.0.1"])
        let replaced = registrar.decide(register(["<sip:mobile@10.0.0.2>"], callID: "call-2"), aor: "1001", current: first.bindings,
                                        source: "", transport: "UDP", now: later, devices: 1, replaceOldest: true)
        #expect(replaced.statusCode == 200 && replaced.bindings.map(\.contact) == ["sip:mobile@10.0.0.2"])
        // A refresh of the same device is not a second device.
        let refresh = registrar.decide(register(["<sip:desk@10.0.0.1>"], cseq: 2), aor: "1001", current: first.bindings, source: "",
                                       transport: "UDP", now: later, devices: 1)
        #expect(refresh.statusCode == 200)
    }

    @Test func expiresComesFromParameterThenHeaderThenDefault() {
        let decision = decide(register(["<sip:a@10.0.0.1>;expires=120", "<sip:b@10.0.0.1>"], expires: 300))
        #expect(decision.statusCode == 200)
        #expect(decision.bindings.map { $0.remainingSeconds(at: now) } == [120, 300])
        #expect(decide(register(["<sip:a@10.0.0.1>"])).bindings.first?.remainingSeconds(at: now) == 1800)
    }

    @Test func aBadExpiresParameterIsRefusedAndAHugeOneIsShortened() {
        #expect(decide(register(["<sip:a@10.0.0.1>;expires=soon"])).statusCode == 400)
        #expect(decide(register(["<sip:a@10.0.0.1>;expires"])).statusCode == 400)
        #expect(decide(register(["<sip:a@10.0.0.1>;expires=99999999999999"])).bindings.first?.remainingSeconds(at: now) == 3600)
    }

    @Test func tooBriefIsRefusedWithMinExpiresAndTooLongIsShortened() {
        let brief = decide(register(["<sip:a@10.0.0.1>"], expires: 30))
        #expect(brief.statusCode == 423)
        #expect(brief.minExpires == 60)
        #expect(decide(register(["<sip:a@10.0.0.1>"], expires: 99_999)).bindings.first?.remainingSeconds(at: now) == 3600)
    }

    @Test func refreshReplacesAndZeroRemoves() {
        let first = decide(register(["<sip:a@10.0.0.1>", "<sip:b@10.0.0.1>"], expires: 600)).bindings
        let refreshed = decide(register(["<sip:a@10.0.0.1>"], expires: 900, cseq: 2), current: first)
        #expect(refreshed.bindings.count == 2)
        #expect(refreshed.bindings.first { $0.contact == "sip:a@10.0.0.1" }?.remainingSeconds(at: now) == 900)
        let removed = decide(register(["<sip:a@10.0.0.1>"], expires: 0, cseq: 3), current: refreshed.bindings)
        #expect(removed.bindings.map(\.contact) == ["sip:b@10.0.0.1"])
    }

    @Test func wildcardRemovesAllOnlyWithExpiresZero() {
        let bindings = decide(register(["<sip:a@10.0.0.1>"], expires: 600)).bindings
        #expect(decide(register(["*"], expires: 0, cseq: 2), current: bindings).bindings.isEmpty)
        #expect(decide(register(["*"], expires: 60, cseq: 2), current: bindings).statusCode == 400)
        #expect(decide(register(["*", "<sip:a@10.0.0.1>"], expires: 0, cseq: 2), current: bindings).statusCode == 400)
    }

    @Test func outOfOrderCSeqIsRefused() {
        let bindings = decide(register(["<sip:a@10.0.0.1>"], expires: 600, cseq: 5)).bindings
        #expect(decide(register(["<sip:a@10.0.0.1>"], expires: 600, cseq: 4), current: bindings).statusCode == 500)
        #expect(decide(register(["<sip:a@10.0.0.1>"], expires: 600, callID: "other", cseq: 1), current: bindings).statusCode == 200)
    }

    @Test func noContactIsAQueryAndTooManyContactsAreRefused() {
        let bindings = decide(register(["<sip:a@10.0.0.1>"], expires: 600)).bindings
        #expect(decide(register([], cseq: 2), current: bindings).bindings == bindings)
        let many = decide(register((1...4).map { "<sip:\($0)@10.0.0.1>" }, expires: 600))
        #expect(many.statusCode == 403)
    }

    @Test func expiredBindingsAreNotReturned() {
        let old = decide(register(["<sip:a@10.0.0.1>"], expires: 60)).bindings
        let later = registrar.decide(register([], cseq: 2), aor: "1001", current: old, source: "", transport: "UDP", now: now.addingTimeInterval(61))
        #expect(later.bindings.isEmpty)
    }

    @Test func badBoundsAreReported() {
        #expect(RegistrationBounds().problems.isEmpty)
        #expect(!RegistrationBounds().with { $0.minExpires = 100; $0.maxExpires = 50 }.problems.isEmpty)
        #expect(!RegistrationBounds().with { $0.maxContacts = 0 }.problems.isEmpty)
    }
}

@Suite("Location service")
struct LocationServiceTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func binding(_ contact: String, expires: TimeInterval) -> Binding {
        Binding(aor: "1001", contact: contact, expiresAt: now.addingTimeInterval(expires), callID: "c", cseq: 1, source: "s",
                transport: "UDP", userAgent: nil, updatedAt: now)
    }

    @Test func changesAreQueuedForTheStore() {
        let location = LocationService()
        _ = location.update("1001") { _ in ((), [binding("sip:a@h", expires: 60), binding("sip:b@h", expires: 60)]) }
        _ = location.update("1001") { current in ((), current.filter { $0.contact == "sip:a@h" }) }
        let writes = location.pendingWrites.take()
        #expect(writes.count == 3)
        #expect(writes.last == .remove(aor: "1001", contact: "sip:b@h"))
        #expect(location.count == 1)
    }

    @Test func expiryEmptiesAnAORAndLoadDropsExpired() {
        let location = LocationService()
        _ = location.update("1001") { _ in ((), [binding("sip:a@h", expires: 10)]) }
        #expect(location.expire(now: now.addingTimeInterval(5)).isEmpty)
        #expect(location.expire(now: now.addingTimeInterval(11)) == ["1001"])
        #expect(location.all().isEmpty)
        let restored = LocationService()
        restored.load([binding("sip:a@h", expires: 10), binding("sip:b@h", expires: -1)], now: now)
        #expect(restored.all().map(\.contact) == ["sip:a@h"])
        #expect(restored.pendingWrites.take() == [.remove(aor: "1001", contact: "sip:b@h")])
    }

    @Test func newContactsAreToldNotRefreshesAndAContactThatMovedIsLetGoAsIfRemoved() {
        let location = LocationService(node: "node1")
        let told = Mutex<[String]>([])
        location.announce { aor, present, added in told.withLock { $0.append("\(aor) \(present) \(added)") } }
        _ = location.update("1001") { _ in ((), [binding("sip:a@h", expires: 60)]) }
        _ = location.update("1001") { current in ((), current.map { _ in binding("sip:a@h", expires: 120) }) }
        _ = location.update("1001") { current in ((), current + [binding("sip:b@h", expires: 60)]) }
        _ = location.pendingWrites.take()
        // The phone at sip:a@h registered through another node: this node forgets it and deletes its own row.
        location.release("1001", contacts: ["sip:a@h", "sip:elsewhere@h"])
        #expect(location.all().map(\.contact) == ["sip:b@h"])
        #expect(location.pendingWrites.take() == [.remove(aor: "1001", contact: "sip:a@h", node: "node1")])
        location.release("1001", contacts: ["sip:b@h"])
        location.release("1002", contacts: ["sip:b@h"])
        #expect(location.count == 0)
        #expect(told.withLock { $0 } == [#"1001 true ["sip:a@h"]"#, #"1001 true ["sip:b@h"]"#, "1001 false []"],
                "a refresh and a release of nothing held are not told; the last device gone is")
    }

    @Test func afterALostConnectionAContactAnotherNodeRegisteredSinceIsLetGoAndTheRestStays() {
        let location = LocationService(node: "node1")
        let told = Mutex<[String]>([])
        location.announce { aor, present, _ in told.withLock { $0.append("\(aor) \(present)") } }
        _ = location.update("1001") { _ in ((), [binding("sip:a@h", expires: 60), binding("sip:b@h", expires: 60)]) }
        _ = location.update("1002") { _ in ((), [binding("sip:c@h", expires: 60)]) }
        _ = location.pendingWrites.take()
        func record(_ aor: String, _ contact: String, node: String?, updated: TimeInterval, expires: TimeInterval = 60) -> BindingRecord {
            BindingRecord(aor: aor, contact: contact, expiresAt: now.addingTimeInterval(expires), callID: "c", cseq: 1, source: "s",
                          transport: "UDP", userAgent: nil, updatedAt: now.addingTimeInterval(updated), node: node)
        }
        location.releaseMoved(seeing: [
            record("1001", "sip:a@h", node: "node2", updated: 10),               // registered through node2 since: moved
            record("1001", "sip:b@h", node: "node2", updated: -10),              // an older binding there: this one stays
            record("1002", "sip:c@h", node: "node2", updated: 10, expires: -1),  // expired there: not a move
            record("1002", "sip:c@h", node: "node1", updated: 10),               // this node's own row
            record("1003", "sip:d@h", node: "node2", updated: 10),               // an extension not held here
        ], now: now)
        #expect(location.all().map(\.contact) == ["sip:b@h", "sip:c@h"])
        #expect(location.pendingWrites.take() == [.remove(aor: "1001", contact: "sip:a@h", node: "node1")])
        location.releaseMoved(seeing: [record("1002", "sip:c@h", node: "node3", updated: 1)], now: now)
        #expect(location.count == 1)
        #expect(told.withLock { $0 } == ["1001 true", "1002 true", "1002 false"], "the last device gone is told, a partial release is not")
    }

    @Test func aRefreshOutlivesTheOldExpiryAndOnlyTheExpiredContactGoes() {
        let location = LocationService()
        _ = location.update("1001") { _ in ((), [binding("sip:a@h", expires: 10), binding("sip:b@h", expires: 30)]) }
        _ = location.update("1001") { current in ((), current.map { $0.contact == "sip:a@h" ? binding("sip:a@h", expires: 60) : $0 }) }
        _ = location.pendingWrites.take()
        #expect(location.expire(now: now.addingTimeInterval(20)).isEmpty)
        #expect(location.count == 2)
        #expect(location.expire(now: now.addingTimeInterval(31)).isEmpty)
        #expect(location.all().map(\.contact) == ["sip:a@h"])
        #expect(location.pendingWrites.take() == [.remove(aor: "1001", contact: "sip:b@h")])
        location.removeAll("1001")
        #expect(location.expire(now: now.addingTimeInterval(61)).isEmpty)
    }
}
