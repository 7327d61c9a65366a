import Foundation
import Logging
import Model
import PostgresNIO
@testable import PostgresStorage
@testable import Storage
import TestSupport
import Testing

/// The behaviour every store engine must show. A new engine (PostgreSQL) runs these same checks.
enum StoreContract {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func record(_ number: String, name: String? = nil) -> ExtensionRecord {
        ExtensionRecord(number: number, displayName: name, ha1MD5: String(repeating: "a", count: 32),
                        ha1SHA256: String(repeating: "b", count: 64), createdAt: now, updatedAt: now)
    }

    static func extensions(_ store: any PortcullisStore) async throws {
        try await store.createExtension(record("1001", name: "Alice"))
        try await store.createExtension(record("1002"))
        await #expect(throws: StoreError.alreadyExists("extension 1001")) { try await store.createExtension(record("1001")) }
        var alice = try #require(try await store.extensionRecord(number: "1001"))
        #expect(alice.displayName == "Alice")
        alice.displayName = "Alice B"
        try await store.updateExtension(alice)
        #expect(try await store.extensionRecord(number: "1001")?.displayName == "Alice B")
        await #expect(throws: StoreError.notFound("extension 9999")) { try await store.updateExtension(record("9999")) }
        alice.registrationName = "alice.desk"
        try await store.updateExtension(alice)
        #expect(try await store.extensionRecord(number: "1001")?.registrationName == "alice.desk")
        #expect(try await store.extensionRecord(number: "1002")?.registrationName == "1002")
        var clash = try #require(try await store.extensionRecord(number: "1002"))
        for name in ["alice.desk", "1001"] {
            clash.registrationName = name
            await #expect(throws: StoreError.self) { try await store.updateExtension(clash) }
        }
        #expect(try await store.extensionRecord(number: "1002")?.registrationName == "1002")
        #expect(try await store.deleteExtension(number: "1002"))
        #expect(try await !store.deleteExtension(number: "1002"))
        #expect(try await store.extensions().map(\.number) == ["1001"])
        for number in ["3001", "3002", "3010", "4100"] { try await store.createExtension(record(number, name: number == "4100" ? "Sales_1%" : nil)) }
        let page = try await store.extensions(containing: "30", offset: 1, limit: 1)
        #expect(page.records.map(\.number) == ["3002"] && page.total == 3)
        #expect(try await store.extensions(containing: "sales_1%", offset: 0, limit: 10).records.map(\.number) == ["4100"])
        #expect(try await store.extensions(containing: "_", offset: 0, limit: 10).total == 1)
        #expect(try await store.extensions(containing: nil, offset: 0, limit: 2).total == 5)
        try await store.replaceConfiguration(extensions: [record("2001"), record("2002")], settings: ["k": "v", "gone": nil])
        #expect(try await store.extensions().map(\.number) == ["2001", "2002"])
        #expect(try await store.setting("k") == "v")
    }

    static func bindings(_ store: any PortcullisStore) async throws {
        let binding = BindingRecord(aor: "1001", contact: "sip:1001@10.0.0.1:5060", expiresAt: now.addingTimeInterval(60),
                                    callID: "c1", cseq: 7, source: "udp:10.0.0.1:5060", transport: "UDP", userAgent: "phone", updatedAt: now)
        var refreshed = binding
        refreshed.cseq = 8
        var bare = binding
        bare.aor = "1003"
        bare.userAgent = nil
        try await store.applyBindingChanges([.upsert(binding), .upsert(bare), .upsert(refreshed)])
        #expect(try await store.bindings() == [refreshed, bare], "in order, the later of one contact's changes winning; no user agent kept as none")
        try await store.applyBindingChanges([.remove(aor: "1001", contact: binding.contact), .remove(aor: "1003", contact: binding.contact)])
        #expect(try await store.bindings().isEmpty)

        // In a cluster a binding names its node: a phone that moved to node b survives node a's late removal, and a
        // dead node's bindings are released together.
        var onA = binding
        onA.node = "a"
        var moved = onA
        moved.node = "b"
        var other = onA
        other.aor = "1002"
        try await store.applyBindingChanges([.upsert(onA), .upsert(other), .upsert(moved), .remove(aor: "1001", contact: binding.contact, node: "a")])
        #expect(try await store.bindings() == [moved, other])
        #expect(try await store.removeBindings(node: "a") == 1)
        #expect(try await store.bindings() == [moved])
        #expect(try await store.removeBindings(node: "a") == 0)
    }

    /// Whatever a node queues between two batches, writing only what its `CoalescingBuffer` keeps leaves the store as
    /// writing every change would, over rows other nodes wrote before: 200 pseudo-random sequences over two contacts
    /// and two nodes.
    static func coalescedBindingChanges(_ store: any PortcullisStore) async throws {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        func change() -> BindingChange {
            let contact = ["sip:a@h", "sip:b@h"][next(2)]
            let node = ["a", "b"][next(2)]
            guard next(3) > 0 else { return .remove(aor: "1001", contact: contact, node: node) }
            return .upsert(BindingRecord(aor: "1001", contact: contact, expiresAt: now.addingTimeInterval(Double(next(100))), callID: "c",
                                         cseq: UInt32(next(1_000)), source: "s", transport: "UDP", userAgent: nil, updatedAt: now, node: node))
        }
        func state(after before: [BindingChange], _ changes: [BindingChange]) async throws -> [BindingRecord] {
            for node in ["a", "b"] { _ = try await store.removeBindings(node: node) }
            try await store.applyBindingChanges(before)
            try await store.applyBindingChanges(changes)
            return try await store.bindings()
        }
        for _ in 0..<200 {
            let before = (0..<2).map { _ in change() }
            let changes = (0..<(1 + next(8))).map { _ in change() }
            var buffer = CoalescingBuffer<BindingChange>()
            for change in changes { _ = buffer.add(change, within: 10) }
            let coalesced = buffer.takeAll()
            #expect(try await state(after: before, coalesced) == state(after: before, changes), "\(before) then \(changes) as \(coalesced)")
        }
    }

    static func callRecords(_ store: any PortcullisStore) async throws {
        let answered = CallDetailRecord(callID: "a@x", caller: "1001", callee: "1002", dialed: "1002", start: now,
                                        answer: now.addingTimeInterval(3), end: now.addingTimeInterval(63.4), disposition: .answered,
                                        hangupSide: "caller", cause: "BYE")
        let busy = CallDetailRecord(callID: "b@x", caller: "1003", callee: "1001", dialed: "1001", start: now.addingTimeInterval(100),
                                    end: now.addingTimeInterval(101), disposition: .busy, hangupSide: "callee", cause: "486 Busy Here")
        let refused = CallDetailRecord(callID: "c@x", caller: "1002", callee: "0044207946", dialed: "90044207946", sent: "0044207946",
                                       route: "International", trunk: "carrier", start: now.addingTimeInterval(200),
                                       end: now.addingTimeInterval(200), disposition: .refused, decision: "refuse",
                                       decisionReason: "country not allowed")
        try await store.appendCallRecords([answered, busy, refused])
        let all = try await store.callRecords(CallDetailQuery())
        #expect(all.map(\.callID) == ["c@x", "b@x", "a@x"], "newest first")
        #expect(all.last?.duration == 60 && all.first?.duration == 0)
        #expect(all.first?.decisionReason == "country not allowed" && all.first?.trunk == "carrier")
        #expect(try await store.callRecords(CallDetailQuery(party: "1001")).map(\.callID) == ["b@x", "a@x"])
        #expect(try await store.callRecords(CallDetailQuery(disposition: .busy)).map(\.callID) == ["b@x"])
        #expect(try await store.callRecords(CallDetailQuery(party: "1001", disposition: .busy)).map(\.callID) == ["b@x"], "filters combine")
        #expect(try await store.callRecords(CallDetailQuery(since: now.addingTimeInterval(150))).map(\.callID) == ["c@x"])
        #expect(try await store.callRecords(CallDetailQuery(limit: 1)).count == 1)
    }

    static func events(_ store: any PortcullisStore) async throws {
        let events = (0..<5).map { (index: Int) -> EventRecord in
            let name = index % 2 == 0 ? "Even" : "Odd"
            let level = index == 4 ? "warning" : "information"
            return EventRecord(time: now.addingTimeInterval(Double(index)), name: name, category: "registration", level: level,
                               fields: ["index": String(index)])
        }
        try await store.appendEvents(events)
        #expect(try await store.events(EventQuery()).map { $0.fields["index"] } == ["4", "3", "2", "1", "0"])
        #expect(try await store.events(EventQuery(names: ["Odd"])).count == 2)
        #expect(try await store.events(EventQuery(since: now.addingTimeInterval(3))).count == 2)
        #expect(try await store.events(EventQuery(until: now.addingTimeInterval(1))).count == 2)
        #expect(try await store.events(EventQuery(level: "warning")).count == 1)
        #expect(try await store.events(EventQuery(category: "network")).isEmpty)
        #expect(try await store.events(EventQuery(limit: 2)).count == 2)
        #expect(try await store.events(EventQuery(since: now.addingTimeInterval(1), until: now.addingTimeInterval(3), names: ["Even", "Odd"],
                                                  category: "registration", level: "information")).map { $0.fields["index"] } == ["3", "2", "1"],
                "filters combine")
    }

    static func eventReadStatus(_ store: any PortcullisStore) async throws {
        try await store.appendEvents((0..<3).map { EventRecord(time: now.addingTimeInterval(Double($0)), name: "E\($0)", category: "system", level: "information", fields: [:]) })
        let ids = try await store.events(EventQuery()).compactMap(\.id)
        #expect(try await store.events(EventQuery(read: false)).count == 3)
        #expect(try await store.markEvents(read: true, ids: [ids[0], ids[0], 999_999]) == 1)
        #expect(try await store.events(EventQuery(read: true)).map(\.name) == ["E2"])
        #expect(try await store.markEvents(read: true, ids: nil) == 2)
        #expect(try await store.events(EventQuery(read: false)).isEmpty)
        #expect(try await store.markEvents(read: false, ids: [ids[1]]) == 1)
        #expect(try await store.events(EventQuery(read: false)).map(\.name) == ["E1"])
    }

    /// Security events outlive the others by age, and past the size bound the oldest others go before them.
    static func eventRetention(_ store: any PortcullisStore) async throws {
        // Days 0-9: even days a security event "S", odd days a routine "R".
        let events = (0..<10).map { EventRecord(time: now.addingTimeInterval(Double($0) * 86_400), name: $0 % 2 == 0 ? "S" : "R", category: "system",
                                                level: "information", fields: ["i": String($0)]) }
        try await store.appendEvents(events)
        func prune(before day: Double, securityBefore securityDay: Double, keeping: Int) async throws -> Int {
            try await store.pruneEvents(EventPruning(before: now.addingTimeInterval(day * 86_400), securityBefore: now.addingTimeInterval(securityDay * 86_400),
                                                     keeping: keeping, security: ["S"]))
        }
        func left() async throws -> [String] { try await store.events(EventQuery(limit: 100)).map { $0.fields["i"] ?? "" } }
        // Routine events before day 4 go (1, 3); security ones only before day 1 (0).
        #expect(try await prune(before: 4, securityBefore: 1, keeping: 1_000) == 3)
        #expect(try await left() == ["9", "8", "7", "6", "5", "4", "2"])
        // Keeping 4 of 7: the three oldest routine events go first (5, 7, 9), no security event.
        #expect(try await prune(before: 0, securityBefore: 0, keeping: 4) == 3)
        #expect(try await left() == ["8", "6", "4", "2"])
        // Keeping 2 with no routine events left: the oldest security ones go.
        #expect(try await prune(before: 0, securityBefore: 0, keeping: 2) == 2)
        #expect(try await left() == ["8", "6"])
        #expect(try await prune(before: 0, securityBefore: 0, keeping: 2) == 0)
    }

    static func tokensUsersSettings(_ store: any PortcullisStore) async throws {
        let token = APITokenRecord(id: "t1", name: "ci", secretHash: "hash", username: "admin", createdAt: now)
        try await store.createToken(token)
        #expect(try await store.token(secretHash: "hash") == token)
        #expect(try await store.token(secretHash: "other") == nil)
        // Expiry and last use are kept; a revoked token is gone.
        let expiring = APITokenRecord(id: "t2", name: "ci2", secretHash: "hash2", username: "operator", createdAt: now,
                                      expiresAt: now.addingTimeInterval(60))
        try await store.createToken(expiring)
        try await store.tokenUsed(id: "t2", at: now.addingTimeInterval(5))
        #expect(try await store.token(secretHash: "hash2")?.expiresAt == expiring.expiresAt)
        #expect(try await store.token(secretHash: "hash2")?.lastUsedAt == now.addingTimeInterval(5))
        #expect(try await store.deleteToken(id: "t2"))
        #expect(try await !store.deleteToken(id: "t2"))
        #expect(try await store.token(secretHash: "hash2") == nil)
        let user = AdminUserRecord(username: "admin", passwordHash: "$2b$", role: "Super Administrator", createdAt: now)
        try await store.setSetting("setup", value: "token-hash")
        #expect(try await !store.createFirstAdministrator(user, consuming: "setup", value: "other-hash"))
        #expect(try await store.adminUsers().isEmpty, "a wrong token changes nothing")
        #expect(try await store.setting("setup") == "token-hash")
        // Ten requests race with the right token: exactly one creates an administrator.
        let created = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<10 {
                var racer = user
                racer.username = "admin\(index)"
                group.addTask { try await store.createFirstAdministrator(racer, consuming: "setup", value: "token-hash") }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(created == 1)
        #expect(try await store.adminUsers().count == 1)
        #expect(try await store.setting("setup") == nil)
        try await store.setSetting("setup", value: "token-hash")
        #expect(try await !store.createFirstAdministrator(user, consuming: "setup", value: "token-hash"), "an administrator exists")
        try await store.setSetting("setup", value: nil)
        let winner = try #require(try await store.adminUsers().first).username
        #expect(try await store.deleteAdminUser(username: winner))
        #expect(try await !store.deleteAdminUser(username: "nobody"))
        #expect(try await store.adminUsers().isEmpty)
        try await store.createAdminUser(user)
        await #expect(throws: StoreError.self) { try await store.createAdminUser(user) }
        #expect(try await store.adminUsers().filter { $0.username == "admin" } == [user])
        try await accounts(store, user: user)
        try await store.setSetting("a", value: "1")
        try await store.setSetting("a", value: "2")
        #expect(try await store.setting("a") == "2")
        try await store.setSetting("a", value: nil)
        #expect(try await store.setting("a") == nil)
    }
}

extension StoreContract {
    /// Profiles and second factors read back; sessions end one by one or all but one; a login link is replaced by a
    /// newer one and consumed once; removing a user removes their tokens, sessions and links.
    static func accounts(_ store: any PortcullisStore, user: AdminUserRecord) async throws {
        var updated = user
        updated.email = "admin@example.com"
        updated.extensionNumber = "1001"
        updated.twoFactorRequired = true
        updated.twoFactor.totpSealedSecret = "sealed"
        updated.twoFactor.recoveryCodeHashes = ["a", "b"]
        #expect(try await store.updateAdminUser(updated))
        #expect(try await store.adminUser(username: "admin") == updated)
        var ghost = user
        ghost.username = "ghost"
        #expect(try await !store.updateAdminUser(ghost))
        func session(_ id: String) -> SessionRecord {
            SessionRecord(id: id, secretHash: "s-\(id)", csrfHash: "c-\(id)", username: "admin", createdAt: now, lastSeenAt: now,
                          expiresAt: now.addingTimeInterval(3600), address: "127.0.0.1", userAgent: "test", method: "password")
        }
        for id in ["one", "two", "three"] { try await store.createSession(session(id), keepingPerUser: 20) }
        #expect(try await store.session(secretHash: "s-two") == session("two"))
        try await store.sessionSeen(id: "two", at: now.addingTimeInterval(90))
        #expect(try await store.session(secretHash: "s-two")?.lastSeenAt == now.addingTimeInterval(90))
        #expect(try await store.deleteSessions(ids: ["one", "missing"]) == 1)
        #expect(try await store.deleteSessions(username: "admin", keeping: "three") == 1)
        #expect(try await store.sessions(username: "admin").map(\.id) == ["three"])
        // At most `keepingPerUser` per user (the oldest go), and sessions past their end are forgotten.
        for index in 0..<5 {
            var next = session("extra\(index)")
            next.createdAt = now.addingTimeInterval(Double(index + 1))
            try await store.createSession(next, keepingPerUser: 3)
        }
        #expect(try await store.sessions(username: "admin").map(\.id) == ["extra4", "extra3", "extra2"])
        var late = session("late")
        late.createdAt = now.addingTimeInterval(7_200)
        late.expiresAt = now.addingTimeInterval(9_000)
        try await store.createSession(late, keepingPerUser: 20)
        #expect(try await store.sessions(username: "admin").map(\.id) == ["late"], "the others ended an hour earlier")
        let first = LoginLinkRecord(secretHash: "l1", username: "admin", createdAt: now, expiresAt: now.addingTimeInterval(60))
        try await store.replaceLoginLink(first)
        try await store.replaceLoginLink(LoginLinkRecord(secretHash: "l2", username: "admin", createdAt: now, expiresAt: now.addingTimeInterval(60)))
        #expect(try await store.loginLink(secretHash: "l1") == nil, "a new link replaces the old")
        #expect(try await store.consumeLoginLink(secretHash: "l2")?.username == "admin")
        #expect(try await store.consumeLoginLink(secretHash: "l2") == nil, "a link works once")
        try await store.replaceLoginLink(first)
        try await store.createToken(APITokenRecord(id: "t3", name: "mine", secretHash: "hash3", username: "admin", createdAt: now))
        #expect(try await store.deleteAdminUser(username: "admin"))
        #expect(try await store.sessions(username: "admin").isEmpty)
        #expect(try await store.loginLink(secretHash: "l1") == nil)
        #expect(try await store.token(secretHash: "hash3") == nil)
        try await store.createAdminUser(user)
    }
}

@Suite("SQLite store contract")
/// A stored section for the settings contract.
struct ProbeSettings: StoredSettings {
    static let storeKey = "probe.settings"
    var limit = 5
    var names: [String] = []
    init() {}
    static let fields: [StrictField<ProbeSettings>] = [.init("limit", \.limit), .init("names", \.names)]
}

extension StoreContract {
    /// Absent settings are the defaults; saved ones read back; a stored value that no longer reads (a misspelt or
    /// removed field, damaged JSON) is an error naming the setting, never the defaults.
    static func securityTallies(_ store: any PortcullisStore) async throws {
        func event(_ hoursAgo: Double, _ name: String, _ category: String, _ level: String, _ fields: [String: String]) -> EventRecord {
            EventRecord(time: now.addingTimeInterval(-hoursAgo * 3600), name: name, category: category, level: level, fields: fields)
        }
        try await store.appendEvents([
            event(1, "Extension Registration Failed", "registration", "warning", ["account": "1001"]),
            event(2, "Extension Registration Failed", "registration", "warning", ["account": "1001"]),
            event(30, "Web User Login Failed", "login", "warning", ["username": "alice"]),
            event(3, "Extension Registered", "registration", "information", ["account": "1002"]),
            event(200, "Extension Registration Failed", "registration", "warning", ["account": "1003"]),
        ])
        func block(_ source: String, _ type: String, hoursAgo: Double, expiresIn: Double?) -> NetworkBlockRecord {
            NetworkBlockRecord(source: source, defenseType: type, attackedAt: now, rule: "r", createdAt: now.addingTimeInterval(-hoursAgo * 3600),
                               expiresAt: expiresIn.map { now.addingTimeInterval($0) })
        }
        _ = try await store.insertBlocks([block("192.0.2.1", "auto defense", hoursAgo: 1, expiresIn: 60),
                                          block("192.0.2.2", "auto defense", hoursAgo: 48, expiresIn: nil),
                                          block("192.0.2.3", "Web Login", hoursAgo: 2, expiresIn: -1)])
        let tallies = try await store.securityTallies(SecurityTalliesQuery(now: now))
        #expect(tallies.eventsLastDay == ["registration": 2])
        #expect(tallies.eventsLastWeek == ["registration": 2, "login": 1])
        #expect(tallies.blocksLastDay == ["auto defense": 1, "Web Login": 1])
        #expect(tallies.blocksLastWeek == ["auto defense": 2, "Web Login": 1])
        #expect(tallies.activeBlocks == 2)
        #expect(tallies.targetedAccounts == [AccountCount(account: "1001", count: 2), AccountCount(account: "alice", count: 1)])
        #expect(tallies.recentSources == ["192.0.2.2", "192.0.2.1"])
    }

    /// The block list: ids handed out on insert and kept, every column read back as written, filters and newest
    /// first, hits added up, removal by id (unknown ids ignored) and by expiry (permanent blocks never expire).
    static func blocks(_ store: any PortcullisStore) async throws {
        let full = NetworkBlockRecord(source: "198.51.100.0/24", defenseType: "auto defense", blockType: "ip range", service: "sip",
                                      account: "1001", protocol: "udp", port: 5060, attackedAt: now, rule: "SIP UDP", note: "flood",
                                      createdAt: now, expiresAt: now.addingTimeInterval(600), hits: 3, offense: 2)
        let permanent = NetworkBlockRecord(source: "203.0.113.9", defenseType: "manual", attackedAt: now, rule: "manual",
                                           createdAt: now.addingTimeInterval(1), expiresAt: nil)
        let soon = NetworkBlockRecord(source: "203.0.113.10", defenseType: "auto defense", attackedAt: now, rule: "SSH",
                                      createdAt: now.addingTimeInterval(2), expiresAt: now.addingTimeInterval(60))
        let stored = try await store.insertBlocks([full, permanent, soon])
        let ids = stored.compactMap(\.id)
        #expect(ids.count == 3 && Set(ids).count == 3)
        var expected = full
        expected.id = ids[0]
        #expect(stored[0] == expected)
        #expect(try await store.blocks(NetworkBlockQuery()).map(\.id) == ids.reversed(), "newest first")
        #expect(try await store.blocks(NetworkBlockQuery(source: "203.0.113.9")).map(\.rule) == ["manual"])
        #expect(try await store.blocks(NetworkBlockQuery(defenseType: "auto defense", limit: 1)).map(\.source) == ["203.0.113.10"])
        #expect(try await store.blocks(NetworkBlockQuery(source: "192.0.2.99")).isEmpty)
        #expect(try await store.blocks(NetworkBlockQuery(source: "203.0.113.10", defenseType: "auto defense")).map(\.rule) == ["SSH"])
        #expect(try await store.blocks(NetworkBlockQuery(source: "203.0.113.10", defenseType: "manual")).isEmpty, "filters combine")
        try await store.addBlockHits([ids[0]: 4, ids[2]: 1, 999_999: 7])
        #expect(try await store.blocks(NetworkBlockQuery(source: full.source)).first?.hits == 7)
        let expired = try await store.deleteBlocks(expiredAt: now.addingTimeInterval(60))
        #expect(expired.map(\.source) == ["203.0.113.10"] && expired.first?.hits == 1)
        let removed = try await store.deleteBlocks(ids: [ids[0], 999_999])
        #expect(removed.map(\.source) == [full.source])
        #expect(try await store.deleteBlocks(ids: []).isEmpty)
        #expect(try await store.deleteBlocks(expiredAt: now.addingTimeInterval(1e9)).isEmpty, "a permanent block never expires")
        #expect(try await store.blocks(NetworkBlockQuery()).map(\.source) == ["203.0.113.9"])
        let next = try await store.insertBlocks([soon])
        #expect(try #require(next.first?.id) > ids[2], "ids are not reused")
    }

    /// `store migrate`: everything moves with its ids and flags, later ids continue above the copied ones, and a
    /// target that holds anything is refused with nothing written.
    static func transfer(from source: any PortcullisStore & StoreTransfer, to target: any PortcullisStore & StoreTransfer) async throws {
        try await source.createExtension(record("1001", name: "Alice"))
        var restricted = record("1002")
        restricted.policy.permittedNetworks = ["10.0.0.0/8"]
        try await source.createExtension(restricted)
        try await source.appendEvents((0..<3).map { EventRecord(time: now.addingTimeInterval(Double($0)), name: "E\($0)", category: "c", level: "warning",
                                                                 fields: ["i": "\($0)", "quote": "a \"b\""]) })
        let events = try await source.events(EventQuery())
        _ = try await source.markEvents(read: true, ids: [try #require(events.last?.id)])
        let blocks = try await source.insertBlocks([NetworkBlockRecord(source: "192.0.2.1", defenseType: "auto defense", port: 5060, attackedAt: now,
                                                                       rule: "r", createdAt: now, expiresAt: nil, hits: 9, offense: 3)])
        try await source.appendCallRecords([CallDetailRecord(callID: "c1", caller: "1001", callee: "1002", dialed: "1002", start: now,
                                                             answer: now.addingTimeInterval(2), end: now.addingTimeInterval(60), disposition: .answered,
                                                             node: "node1")])
        let user = AdminUserRecord(username: "admin", passwordHash: "$2b$x", role: "Super Administrator", createdAt: now, email: "a@example.com")
        try await source.createAdminUser(user)
        try await source.createToken(APITokenRecord(id: "t1", name: "ci", secretHash: "h", username: "admin", createdAt: now))
        try await source.setSetting("sip.settings", value: #"{"realm":"x"}"#)
        try await source.applyBindingChanges([.upsert(BindingRecord(aor: "1001", contact: "sip:1001@10.0.0.1", expiresAt: now, callID: "b",
                                                                    cseq: 4_000_000_000, source: "udp:10.0.0.1:5060", transport: "UDP",
                                                                    userAgent: nil, updatedAt: now))])

        let copied = try await StoreCopy.copy(from: source, to: target)
        #expect(copied["event"] == 3 && copied["extension"] == 2 && copied["setting"] == 1)
        #expect(try await target.extensions() == source.extensions())
        #expect(try await target.events(EventQuery()) == events.map { event in var read = event; read.read = event.id == events.last?.id; return read })
        #expect(try await target.blocks(NetworkBlockQuery()) == blocks)
        #expect(try await target.callRecords(CallDetailQuery()) == source.callRecords(CallDetailQuery()))
        #expect(try await target.callRecords(CallDetailQuery()).first?.node == "node1", "a call record names its node")
        #expect(try await target.adminUser(username: "admin") == user)
        #expect(try await target.token(secretHash: "h")?.name == "ci")
        #expect(try await target.setting("sip.settings") == #"{"realm":"x"}"#)
        #expect(try await target.bindings() == source.bindings())
        try await target.appendEvents([EventRecord(time: now, name: "later", category: "c", level: "information", fields: [:])])
        let later = try #require(try await target.events(EventQuery(names: ["later"])).first?.id)
        #expect(later > (events.compactMap(\.id).max() ?? 0))
        let next = try await target.insertBlocks([NetworkBlockRecord(source: "192.0.2.2", defenseType: "manual", attackedAt: now, rule: "m",
                                                                     createdAt: now, expiresAt: nil)])
        #expect(try #require(next.first?.id) > (blocks.first?.id ?? 0))
        await #expect(throws: StoreError.self) { try await StoreCopy.copy(from: source, to: target) }
        #expect(try await target.extensions().count == 2, "a refused copy writes nothing")
    }

    static func settings(_ store: any PortcullisStore) async throws {
        #expect(try await store.settings(ProbeSettings.self) == ProbeSettings())
        try await store.save(ProbeSettings().with { $0.limit = 9; $0.names = ["a"] })
        #expect(try await store.settings(ProbeSettings.self).limit == 9)
        for damaged in [#"{"limit": 1, "nmaes": ["b"]}"#, #"{"limit": "five"}"#, "{"] {
            try await store.setSetting(ProbeSettings.storeKey, value: damaged)
            await #expect(throws: StoreError.unreadable("the stored setting 'probe.settings'")) { try await store.settings(ProbeSettings.self) }
        }
        // Many writers changing pieces of one value at once (the outbound locks, from several nodes) lose none.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<24 {
                group.addTask { try await store.modify([String: Int].self, key: "probe.pieces") { $0 = ($0 ?? [:]).merging(["\(index)": index]) { $1 } } }
            }
            try await group.waitForAll()
        }
        #expect(try await store.stored([String: Int].self, key: "probe.pieces") == Dictionary(uniqueKeysWithValues: (0..<24).map { ("\($0)", $0) }))
        try await store.modify([String: Int].self, key: "probe.pieces") { $0?["3"] = nil }
        #expect(try await store.stored([String: Int].self, key: "probe.pieces")?["3"] == nil)
        // One that cannot be read is an error and stays as it was: a change is never made over what nobody could read.
        try await store.setSetting("probe.pieces", value: "{")
        await #expect(throws: StoreError.unreadable("the stored setting 'probe.pieces'")) {
            try await store.modify([String: Int].self, key: "probe.pieces") { $0 = [:] }
        }
        #expect(try await store.setting("probe.pieces") == "{")
        // Unless the writer has a value to stand in for it (a node's own locks): then that value, changed, replaces it.
        try await store.modify([String: Int].self, key: "probe.pieces", unreadable: ["held": 1]) { $0?["new"] = 2 }
        #expect(try await store.stored([String: Int].self, key: "probe.pieces") == ["held": 1, "new": 2])
    }
}

struct SQLiteStoreTests {
    func makeStore() throws -> SQLiteStore {
        try SQLiteStore(path: ScratchDirectory.directory("store").appendingPathComponent("test.sqlite").path)
    }

    @Test func extensions() async throws { try await StoreContract.extensions(makeStore()) }
    @Test func bindings() async throws { try await StoreContract.bindings(makeStore()) }
    @Test func coalescedBindingChanges() async throws { try await StoreContract.coalescedBindingChanges(makeStore()) }
    @Test func events() async throws { try await StoreContract.events(makeStore()) }
    @Test func callRecords() async throws { try await StoreContract.callRecords(makeStore()) }
    @Test func tokensUsersSettings() async throws { try await StoreContract.tokensUsersSettings(makeStore()) }
    @Test func eventRetention() async throws { try await StoreContract.eventRetention(makeStore()) }
    @Test func eventReadStatus() async throws { try await StoreContract.eventReadStatus(makeStore()) }

    @Test func dataSurvivesReopening() async throws {
        let path = try ScratchDirectory.directory("reopen").appendingPathComponent("db.sqlite").path
        try await SQLiteStore(path: path).createExtension(StoreContract.record("3001"))
        #expect(try await SQLiteStore(path: path).extensionRecord(number: "3001") != nil)
    }

    @Test func settings() async throws { try await StoreContract.settings(makeStore()) }
    @Test func securityTallies() async throws { try await StoreContract.securityTallies(makeStore()) }
    @Test func blocks() async throws { try await StoreContract.blocks(makeStore()) }
    @Test func transfer() async throws { try await StoreContract.transfer(from: makeStore(), to: makeStore()) }

    /// Versions before the configuration root kept one flat `server.settings`; it becomes the `sip:` and `api:`
    /// sections, every value kept.
    @Test func flatServerSettingsBecomeTheSIPAndAPISections() throws {
        let old = #"{"sipListen":["tls:0.0.0.0:5061"],"apiListen":"127.0.0.1:9000","tlsCertificate":"c.pem","tlsKey":"k.pem","nonceLifetime":60,"calls":{"ringTimeout":30}}"#
        let (sip, api) = try StoreMigrations.splitServerSettings(old)
        #expect(sip == #"{"calls":{"ringTimeout":30},"listen":["tls:0.0.0.0:5061"],"nonceLifetime":60,"tls":{"certificate":"c.pem","key":"k.pem"}}"#)
        #expect(api == #"{"listen":"127.0.0.1:9000"}"#)
        #expect(throws: StoreError.self) { try StoreMigrations.splitServerSettings("[1, 2]") }
    }

    @Test func anUnopenablePathIsAClearError() {
        #expect(throws: StoreError.self) { try SQLiteStore(path: "/proc/portcullis/nope.sqlite") }
    }
}

/// The same contract on PostgreSQL: a new database per test in the server `scripts/test` starts
/// (`PORTCULLIS_TEST_POSTGRES`, password in `PORTCULLIS_STORE_PASSWORD`). Without one (a developer's machine) these
/// are skipped; the suite's script always provides it.
@Suite(.enabled(if: PostgresTestServer.url != nil, "no PostgreSQL: run scripts/test, or scripts/test-postgres start"))
struct PostgresStoreTests {
    static let server = PostgresTestServer.url
    static let password = PostgresTestServer.password

    func makeStore() async throws -> PostgresStore {
        let base = try PostgresLocation(parsing: try #require(Self.server))
        let name = "contract_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = PostgresClient(configuration: .init(host: base.host, port: base.port, username: base.username, password: Self.password,
                                                        database: base.database, tls: .disable), backgroundLogger: Logger(label: "test"))
        let running = Task { await admin.run() }
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        running.cancel()
        let url = "postgresql://\(base.username)@\(base.host):\(base.port)/\(name)"
        return try await PostgresStore(try PostgresLocation(parsing: url), password: Self.password)
    }

    @Test func extensions() async throws { try await StoreContract.extensions(makeStore()) }
    @Test func bindings() async throws { try await StoreContract.bindings(makeStore()) }
    @Test func coalescedBindingChanges() async throws { try await StoreContract.coalescedBindingChanges(makeStore()) }
    @Test func events() async throws { try await StoreContract.events(makeStore()) }
    @Test func callRecords() async throws { try await StoreContract.callRecords(makeStore()) }
    @Test func tokensUsersSettings() async throws { try await StoreContract.tokensUsersSettings(makeStore()) }
    @Test func eventRetention() async throws { try await StoreContract.eventRetention(makeStore()) }
    @Test func eventReadStatus() async throws { try await StoreContract.eventReadStatus(makeStore()) }
    @Test func settings() async throws { try await StoreContract.settings(makeStore()) }
    @Test func securityTallies() async throws { try await StoreContract.securityTallies(makeStore()) }
    @Test func blocks() async throws { try await StoreContract.blocks(makeStore()) }
    @Test func anSQLiteInstallationMovesToPostgreSQLAndBack() async throws {
        try await StoreContract.transfer(from: SQLiteStoreTests().makeStore(), to: makeStore())
        try await StoreContract.transfer(from: makeStore(), to: SQLiteStoreTests().makeStore())
    }

    @Test func aNodeNameIsHeldWhileItsNodeBeatsAndFreedWhenItStopsOrGoesQuiet() async throws {
        let store = try await makeStore()
        let start = StoreContract.now
        func node(_ name: String, at time: Date) -> ClusterNode {
            ClusterNode(name: name, address: "udp:127.0.0.51:5060", version: "0.17.0", startedAt: time, heartbeatAt: time)
        }
        let aliveSince = { (time: Date) in time.addingTimeInterval(-ClusterNode.missingAfter) }
        #expect(try await store.join(node("a", at: start), aliveSince: aliveSince(start)))
        #expect(try await !store.join(node("a", at: start.addingTimeInterval(1)), aliveSince: aliveSince(start.addingTimeInterval(1))),
                "a live node keeps its name")
        var beating = node("a", at: start)
        beating.heartbeatAt = start.addingTimeInterval(5)
        beating.registrations = 7
        try await store.heartbeat(beating)
        #expect(try await !store.join(node("a", at: start.addingTimeInterval(10)), aliveSince: aliveSince(start.addingTimeInterval(10))))
        let listed = try #require(try await store.nodes().first)
        #expect(listed.registrations == 7 && listed.health(at: start.addingTimeInterval(6)) == .alive)
        #expect(listed.health(at: start.addingTimeInterval(12)) == .missing)
        #expect(try await store.join(node("a", at: start.addingTimeInterval(12)), aliveSince: aliveSince(start.addingTimeInterval(12))),
                "a node gone quiet is replaced")
        try await store.heartbeat(beating)
        #expect(try await store.nodes().first?.registrations == 0, "the old process's late heartbeat changes nothing")
        try await store.leave("a", at: start.addingTimeInterval(13))
        #expect(try await store.nodes().first?.health(at: start.addingTimeInterval(13)) == .stopped)
        #expect(try await store.join(node("a", at: start.addingTimeInterval(14)), aliveSince: aliveSince(start.addingTimeInterval(14))))
        #expect(try await store.join(node("b", at: start.addingTimeInterval(14)), aliveSince: aliveSince(start.addingTimeInterval(14))))
        #expect(try await store.nodes().map(\.name) == ["a", "b"])
        #expect(ClusterNode.nameProblem("node-1.eu") == nil && ClusterNode.nameProblem("") != nil && ClusterNode.nameProblem("a b") != nil)
    }

    @Test func aSecondStoreOnTheSameDatabaseFindsTheSchemaMigratedAndTheData() async throws {
        let first = try await makeStore()
        try await first.createExtension(StoreContract.record("3001"))
        let second = try await PostgresStore(first.location, password: Self.password)
        #expect(try await second.extensionRecord(number: "3001") != nil)
    }

    @Test func theOutboundLedgerCountsEachExtensionsCallsAndEachTrunksPlacesOnceForAllNodes() async throws {
        let first = try await makeStore()
        let second = try await PostgresStore(first.location, password: Self.password)
        let now = StoreContract.now
        func attempt(_ key: String, _ caller: String, node: String, at time: Date = now, trunks: [OutboundReservation.Trunk] = [.init(name: "t", limit: nil)]) -> OutboundReservation {
            OutboundReservation(key: key, caller: caller, node: node, time: time, limits: [.init(calls: 5, seconds: 1)], trunks: trunks)
        }
        // Six calls of one extension within a second, alternating nodes: five go out, the sixth is refused.
        var answers: [OutboundReservation.Answer] = []
        for index in 0..<6 {
            let store: any OutboundLedger = index.isMultiple(of: 2) ? first : second
            answers.append(try await store.reserve(attempt("f\(index)", "1001", node: index.isMultiple(of: 2) ? "a" : "b",
                                                           at: now.addingTimeInterval(Double(index) / 10))))
        }
        #expect(answers.prefix(5).allSatisfy { $0 == .granted(trunk: "t") })
        #expect(answers.last == .frequencyExceeded(.init(calls: 5, seconds: 1)))
        try await second.forgetOutboundCalls(of: "1001")
        #expect(try await first.reserve(attempt("f7", "1001", node: "a", at: now.addingTimeInterval(0.6))) == .granted(trunk: "t"), "unlocked: counted anew")
        #expect(try await first.reserve(attempt("f6", "1001", node: "a", at: now.addingTimeInterval(1.7))) == .granted(trunk: "t"), "a second later")

        // A trunk limit of 2, twenty nodes' attempts at once: exactly two get a place; one ends and one more does.
        let limited = [OutboundReservation.Trunk(name: "small", limit: 2), OutboundReservation.Trunk(name: "other", limit: 0)]
        let answered = try await withThrowingTaskGroup(of: (Int, OutboundReservation.Answer).self) { group in
            for index in 0..<20 {
                let store: any OutboundLedger = index.isMultiple(of: 2) ? first : second
                group.addTask { (index, try await store.reserve(attempt("t\(index)", "2\(index)", node: index.isMultiple(of: 2) ? "a" : "b", trunks: limited))) }
            }
            return try await group.reduce(into: [Int: OutboundReservation.Answer]()) { $0[$1.0] = $1.1 }
        }
        let holders = answered.filter { $0.value == .granted(trunk: "small") }.keys.sorted()
        #expect(holders.count == 2 && answered.values.filter { $0 == .trunksBusy }.count == 18)
        try await second.endOutboundCalls(["t\(holders[0])"], at: now)
        #expect(try await second.reserve(attempt("t20", "220", node: "b", trunks: limited)) == .granted(trunk: "small"))
        #expect(try await first.reserve(attempt("t21", "221", node: "a", trunks: limited)) == .trunksBusy)
        // A node that died: its calls end and their places are free.
        #expect(try await first.endOutboundCalls(node: "b", at: now) >= 1)
        #expect(try await first.reserve(attempt("t22", "222", node: "a", trunks: limited)) == .granted(trunk: "small"))
    }

    /// postgres-nio never answers a statement written to a connection that has just closed (the write's failure is
    /// dropped), and a transaction that fails there sends ROLLBACK the same way. The server going away under a
    /// statement must still end it with an error, or a write-behind queue waits on it forever.
    @Test(.timeLimit(.minutes(1))) func aStatementOnAConnectionTheServerClosedEndsWithAnErrorAndTheStoreGoesOn() async throws {
        let store = try await makeStore()
        let lost = await #expect(throws: StoreError.self) {
            try await store.transaction { connection in
                let pid = try #require(try await PostgresStore.rows(connection, "SELECT pg_backend_pid() AS pid").first).get("pid", as: Int32.self)
                try await store.rows("SELECT pg_terminate_backend(\(pid))")
                try await connection.closeFuture.get()
                try await PostgresStore.rows(connection, "SELECT 1")
            }
        }
        #expect(String(describing: lost).contains("closed"))
        try await store.createExtension(StoreContract.record("3002"))
        #expect(try await store.extensionRecord(number: "3002") != nil, "the next statement gets a new connection")
    }

    @Test func aWrongPasswordOrAnUnreachableServerIsAClearError() async throws {
        let base = try PostgresLocation(parsing: try #require(Self.server))
        let wrong = await #expect(throws: StoreError.self) { try await PostgresStore(base, password: "wrong") }
        #expect(String(describing: wrong).contains("password authentication failed"))
        let unreachable = await #expect(throws: StoreError.self) {
            try await PostgresStore(try PostgresLocation(parsing: "postgresql://portcullis@127.0.0.1:1/none"), password: Self.password)
        }
        #expect(String(describing: unreachable).contains("Connection refused"))
    }

    @Test func storeURLsAreCheckedAndNeverCarryAPassword() throws {
        let location = try PostgresLocation(parsing: "postgresql://pbx@db.example:6432/portcullis?sslmode=require")
        #expect(location.port == 6432 && location.tls == .require && location.description == "postgresql://pbx@db.example:6432/portcullis?sslmode=require")
        for bad in ["postgresql://pbx:secret@db/portcullis", "postgresql://db/portcullis", "postgresql://pbx@db/", "mysql://pbx@db/x",
                    "postgresql://pbx@db/x?sslmode=maybe", "postgresql://pbx@db/x?password=y"] {
            #expect(throws: StoreError.self) { try PostgresLocation(parsing: bad) }
        }
    }
}

enum PostgresTestServer {
    static let url = ProcessInfo.processInfo.environment["PORTCULLIS_TEST_POSTGRES"]
    static let password = ProcessInfo.processInfo.environment["PORTCULLIS_STORE_PASSWORD"]
}

struct WriteBehindQueueTests {
    func upsert(_ contact: String, cseq: UInt32) -> BindingChange {
        .upsert(BindingRecord(aor: "1001", contact: contact, expiresAt: StoreContract.now, callID: "c", cseq: cseq, source: "s",
                              transport: "UDP", userAgent: nil, updatedAt: StoreContract.now, node: "a"))
    }

    @Test func aRefreshBurstIsOneWritePerContactAndTheCapacityCountsContacts() {
        let queue = WriteBehindQueue<CoalescingBuffer<BindingChange>>(capacity: 2)
        for cseq in 1...1_000 { queue.append(upsert(cseq.isMultiple(of: 2) ? "sip:a@h" : "sip:b@h", cseq: UInt32(cseq))) }
        queue.append(upsert("sip:c@h", cseq: 1))
        #expect(queue.take() == [upsert("sip:b@h", cseq: 999), upsert("sip:a@h", cseq: 1_000)], "the latest of each, in first-seen order")
        #expect(queue.droppedCount == 1, "a third contact is beyond the capacity; refreshes of the two held never are")
    }

    @Test func aRemoveAfterAnUpsertIsKeptAndALaterUpsertSupersedesBoth() {
        let queue = WriteBehindQueue<CoalescingBuffer<BindingChange>>()
        let remove = BindingChange.remove(aor: "1001", contact: "sip:a@h", node: "a")
        queue.append(contentsOf: [upsert("sip:a@h", cseq: 1), remove, remove])
        #expect(queue.take() == [upsert("sip:a@h", cseq: 1), remove])
        queue.append(contentsOf: [remove, upsert("sip:a@h", cseq: 1), remove, upsert("sip:a@h", cseq: 2)])
        #expect(queue.take() == [upsert("sip:a@h", cseq: 2)])
    }

    /// A store that fails while the queue has room loses nothing; this once trapped on a negative count to drop.
    @Test func aBatchPutBackWithRoomToSpareKeepsEverything() {
        let arrival = WriteBehindQueue<[Int]>(capacity: 10)
        arrival.putBack([1, 2])
        #expect(arrival.take() == [1, 2])
        let coalescing = WriteBehindQueue<CoalescingBuffer<BindingChange>>(capacity: 10)
        coalescing.putBack([upsert("sip:a@h", cseq: 1)])
        #expect(coalescing.take() == [upsert("sip:a@h", cseq: 1)])
        #expect(arrival.droppedCount == 0 && coalescing.droppedCount == 0)
    }

    @Test func aCoalescedBatchPutBackYieldsToNewerWritesOfItsContacts() {
        let queue = WriteBehindQueue<CoalescingBuffer<BindingChange>>(capacity: 2)
        queue.append(contentsOf: [upsert("sip:a@h", cseq: 1), upsert("sip:b@h", cseq: 1)])
        let batch = queue.take()
        queue.append(contentsOf: [upsert("sip:a@h", cseq: 2), upsert("sip:c@h", cseq: 1)])
        queue.putBack(batch)
        #expect(queue.take() == [upsert("sip:a@h", cseq: 2), upsert("sip:c@h", cseq: 1)], "a kept its newer write; b, the oldest, went")
        #expect(queue.droppedCount == 1)
    }

    @Test func aBatchTheStoreDidNotTakeGoesBackInFrontWithinTheCapacity() {
        let queue = WriteBehindQueue<[Int]>(capacity: 5)
        queue.append(contentsOf: [1, 2, 3])
        let batch = queue.take()
        queue.append(contentsOf: [4, 5])
        queue.putBack(batch)
        #expect(queue.take() == [1, 2, 3, 4, 5], "kept in order, the older first")
        queue.append(contentsOf: [6, 7, 8, 9])
        queue.putBack([1, 2, 3])
        #expect(queue.take() == [3, 6, 7, 8, 9], "beyond the capacity the oldest go")
        #expect(queue.droppedCount == 2)
    }
}
