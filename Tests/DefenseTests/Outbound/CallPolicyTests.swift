import Dialplan
import Foundation
import Model
import SIPAuth
import Testing
@testable import Defense

/// The outbound policy, one rule at a time, each on both sides of its boundary.
struct CallPolicyTests {
    /// 2026-11-25 (a Wednesday) 10:00 UTC.
    let wednesdayMorning = Date(timeIntervalSince1970: 1_764_064_800)

    static func route(_ name: String, _ patterns: [String], strip: Int = 0, trunks: [String] = ["provider"], extensions: [String] = [],
                      groups: [String] = [], hours: String? = nil, pin: RoutePIN = RoutePIN()) -> OutboundRoute {
        OutboundRoute(name: name, patterns: patterns.map { RoutePattern(pattern: $0, strip: strip) }, trunks: trunks,
                         extensions: extensions, groups: groups, hours: hours, pin: pin)
    }

    func policy(_ routes: [OutboundRoute] = [route("out", ["9."], strip: 1)], limits: [String: CallPolicy.TrunkLimit] = [:],
                _ change: (inout OutboundPolicySettings) -> Void = { _ in }) -> CallPolicy {
        var settings = OutboundPolicySettings()
        settings.countries.allowed = ["GB", "BS"]
        change(&settings)
        #expect(settings.problems(extensions: ["1001", "1002", "1003"]) == [])
        return CallPolicy(routes: routes, trunkLimits: limits, settings: settings)
    }

    func decide(_ policy: CallPolicy, _ dialed: String, caller: String = "1001", rules: ExtensionCallRules = ExtensionCallRules(),
                state: OutboundCallState = OutboundCallState(), at now: Date? = nil, pin: Bool = false) -> CallVerdict {
        policy.decide(CallPolicy.Attempt(caller: caller, rules: rules, dialed: dialed, pinAccepted: pin, defaultMaxDuration: 3_600),
                      state: state, now: now ?? wednesdayMorning)
    }

    func rule(_ verdict: CallVerdict) -> String {
        switch verdict {
        case .allow(let call): call.emergency ? "emergency \(call.number)" : "allow \(call.route) \(call.number) \(call.trunks.joined(separator: ","))"
        case .needsPIN(let route): "pin \(route)"
        case .refuse(let refusal): refusal.rule.rawValue
        }
    }

    @Test func theFirstMatchingRouteThatPermitsTheCallerDecides() {
        let policy = policy([
            Self.route("managers", ["900.", "9011."], strip: 1, trunks: ["premium"], groups: ["managers"]),
            Self.route("everyone", ["9."], strip: 1, trunks: ["cheap", "backup"]),
            Self.route("local-only", ["8XXX"], extensions: ["1002"]),
        ]) { $0.groups = [.init(name: "managers", extensions: ["1002"])] }
        #expect(rule(decide(policy, "900441234", caller: "1002")) == "allow managers 00441234 premium")
        // Not permitted on the first matching route: the next matching one takes the call.
        #expect(rule(decide(policy, "900441234", caller: "1001")) == "allow everyone 00441234 cheap,backup")
        // Matching only routes that do not permit the caller: refused, naming the first.
        #expect(rule(decide(policy, "8123", caller: "1001")) == "route-not-permitted")
        #expect(rule(decide(policy, "8123", caller: "1002")) == "allow local-only 8123 provider")
        #expect(rule(decide(policy, "7123")) == "no-route")
    }

    @Test func emergencyNumbersGoThroughWithEveryRestrictionOn() {
        let routes = [Self.route("emergency", ["112", "999", "9911"], strip: 1, extensions: ["1003"], hours: "never"),
                      Self.route("out", ["9."], strip: 1)]
        let policy = policy(routes, limits: ["provider": .init(maxCalls: 0, direction: .both)]) { settings in
            settings.timeConditions.append(TimeCondition(name: "never", days: [:]))
            settings.numbers = [NumberListEntry(pattern: "1!")]
            settings.countries.allowed = []
        }
        var state = OutboundCallState()
        state.lock("1001", reason: "test", at: wednesdayMorning)
        for _ in 0..<10 { state.recordCall(by: "1001", at: wednesdayMorning, keep: 10) }
        let everything = ExtensionCallRules().with {
            $0.disableOutbound = true
            $0.disableOutsideBusinessHours = true
            $0.disallowInternational = true
        }
        let night = wednesdayMorning.addingTimeInterval(14 * 3_600)
        // The route strips one digit, but an emergency number dialed as it is goes out as it is: never "12" for 112.
        #expect(rule(decide(policy, "112", rules: everything, state: state, at: night)) == "emergency 112")
        // Dialed with the outside-line prefix, the number sent is 911: an emergency too, sent rewritten.
        #expect(rule(decide(policy, "9911", rules: everything, state: state, at: night)) == "emergency 911")
        #expect(rule(decide(policy, "9123", rules: everything, state: state)) == "extension-locked")
    }

    @Test func extensionFlagsRefuseWhatTheyName() {
        let policy = policy()
        #expect(rule(decide(policy, "9123", rules: ExtensionCallRules().with { $0.disableOutbound = true })) == "outbound-disabled")
        let hoursOnly = ExtensionCallRules().with { $0.disableOutsideBusinessHours = true }
        #expect(rule(decide(policy, "9123", rules: hoursOnly)) == "allow out 123 provider")
        #expect(rule(decide(policy, "9123", rules: hoursOnly, at: wednesdayMorning.addingTimeInterval(9 * 3_600))) == "outside-business-hours")
        let national = ExtensionCallRules().with { $0.disallowInternational = true }
        #expect(rule(decide(policy, "9020794600", rules: national)) == "allow out 020794600 provider")
        #expect(rule(decide(policy, "900442079460000", rules: national)) == "international-disallowed")
        #expect(rule(decide(policy, "9+442079460000", rules: national)) == "international-disallowed")
        // The extension's own duration limit replaces the global one; without one the global one applies.
        for (rules, expected) in [(ExtensionCallRules().with { $0.maxCallDuration = 120 }, 120), (ExtensionCallRules(), 3_600)] {
            guard case .allow(let call) = decide(policy, "9123", rules: rules) else {
                Issue.record("the call should go out")
                continue
            }
            #expect(call.maxDuration == expected)
        }
    }

    @Test func countriesAreAllowedByCodeAndNANPCountriesByAreaCode() {
        let policy = policy()
        #expect(rule(decide(policy, "900442079460000")) == "allow out 00442079460000 provider")
        // 44 is shared by GB, GG, IM and JE: allowing GB allows the code.
        #expect(rule(decide(policy, "900441481123456")) == "allow out 00441481123456 provider")
        #expect(rule(decide(policy, "9004930123456")) == "country-disallowed")
        // The Bahamas (+1 242) are allowed, the United States (+1 212) are not, nor a toll-free area code.
        #expect(rule(decide(policy, "90012425550100")) == "allow out 0012425550100 provider")
        #expect(rule(decide(policy, "90012125550100")) == "country-disallowed")
        #expect(rule(decide(policy, "90018005550100")) == "country-disallowed")
        // A number no calling code starts: refused, not guessed.
        #expect(rule(decide(policy, "9000123")) == "country-disallowed")
        // Switched off, every country goes; 011 as the prefix makes 00 national.
        #expect(rule(decide(self.policy { $0.countries.enabled = false }, "9004930123456")) == "allow out 004930123456 provider")
        let nanp = self.policy { $0.countries.internationalPrefix = "011" }
        #expect(rule(decide(nanp, "9011442079460000")) == "allow out 011442079460000 provider")
        #expect(rule(decide(nanp, "90114930123456")) == "country-disallowed")
        #expect(rule(decide(nanp, "9004930123456")) == "allow out 004930123456 provider")
    }

    @Test func allowedNumbersOverrideBlockedOnesAndDirectionsApart() {
        let policy = policy { settings in
            settings.countries.enabled = false
            settings.numbers = [
                NumberListEntry(pattern: "00881.", list: .blocked, direction: .outbound),
                NumberListEntry(pattern: "0088155512!", list: .allowed, direction: .outbound),
                NumberListEntry(pattern: "0900XXXXXX", list: .blocked, direction: .both),
                NumberListEntry(pattern: "0207946000X", list: .blocked, direction: .inbound),
            ]
        }
        #expect(rule(decide(policy, "9008819876543")) == "blocked-number")
        #expect(rule(decide(policy, "90088155512345")) == "allow out 0088155512345 provider")
        #expect(rule(decide(policy, "90900123456")) == "blocked-number")
        #expect(rule(decide(policy, "902079460001")) == "allow out 02079460001 provider")
        #expect(policy.screenInbound(from: "02079460001")?.rule == .blockedNumber)
        #expect(policy.screenInbound(from: "0900123456")?.rule == .blockedNumber)
        #expect(policy.screenInbound(from: "00881987654") == nil)
    }

    @Test func theSixthCallWithinASecondIsRefusedAndALockingRuleLocks() {
        let policy = policy { settings in
            settings.frequencyRules.append(FrequencyRule(name: "strict", limits: [.init(calls: 2, minutes: 1), .init(calls: 10, seconds: 3_600)], lock: true))
        }
        var state = OutboundCallState()
        var outcomes: [String] = []
        for call in 0..<6 {
            let now = wednesdayMorning.addingTimeInterval(Double(call) * 0.15)
            let verdict = decide(policy, "9123", state: state, at: now)
            outcomes.append(rule(verdict))
            if case .allow = verdict { state.recordCall(by: "1001", at: now, keep: policy.callsRemembered(for: ExtensionCallRules())) }
        }
        #expect(outcomes == Array(repeating: "allow out 123 provider", count: 5) + ["frequency-exceeded"])
        #expect(rule(decide(policy, "9123", state: state, at: wednesdayMorning.addingTimeInterval(1.01))) == "allow out 123 provider")
        let strict = ExtensionCallRules().with { $0.frequencyRule = "strict" }
        var strictState = OutboundCallState()
        strictState.recordCall(by: "1001", at: wednesdayMorning, keep: 10)
        strictState.recordCall(by: "1001", at: wednesdayMorning.addingTimeInterval(30), keep: 10)
        guard case .refuse(let refusal) = decide(policy, "9123", rules: strict, state: strictState, at: wednesdayMorning.addingTimeInterval(59)) else {
            Issue.record("the third call within a minute must be refused")
            return
        }
        #expect(refusal.rule == .frequencyExceeded && refusal.locksExtension)
        #expect(rule(decide(policy, "9123", rules: strict, state: strictState, at: wednesdayMorning.addingTimeInterval(61))) == "allow out 123 provider")
    }

    @Test func fullTrunksAreSkippedInOrderAndNoneLeftIs503() {
        let policy = policy([Self.route("out", ["9."], strip: 1, trunks: ["a", "b"])],
                            limits: ["a": .init(maxCalls: 2, direction: .outbound), "b": .init(maxCalls: 1, direction: .both)])
        var state = OutboundCallState()
        state.trunkCallStarted("a", outbound: true)
        #expect(rule(decide(policy, "9123", state: state)) == "allow out 123 a,b")
        state.trunkCallStarted("a", outbound: true)
        #expect(rule(decide(policy, "9123", state: state)) == "allow out 123 b")
        state.trunkCallStarted("b", outbound: false)
        guard case .refuse(let refusal) = decide(policy, "9123", state: state) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refusal.rule == .trunksBusy)
        // An outbound-only limit does not count inbound calls, and inbound calls are not limited by it.
        #expect(policy.hasCapacity("a", outbound: false, state: state))
        #expect(!policy.hasCapacity("b", outbound: false, state: state))
        state.trunkCallEnded("a", outbound: true)
        #expect(rule(decide(policy, "9123", state: state)) == "allow out 123 a")
    }

    @Test func aRouteWithAPINAsksForItAndKnowsEveryEntry() {
        let single = RoutePIN(mode: .single, pin: "4321")
        let list = RoutePIN(mode: .list, pins: [.init(pin: "111222", label: "alice"), .init(pin: "333444")], record: true)
        let policy = policy([Self.route("single", ["8."], strip: 1, pin: single), Self.route("list", ["9."], strip: 1, pin: list)])
        #expect(rule(decide(policy, "8123")) == "pin single")
        #expect(rule(decide(policy, "8123", pin: true)) == "allow single 123 provider")
        // PINs are stored as fingerprints; the record keeps a label or a place in the list, never the PIN.
        let box = SecretBox(key: Array(repeating: 9, count: 32))
        let stored = (single: single.fingerprinted(by: box.fingerprint), list: list.fingerprinted(by: box.fingerprint))
        #expect(!stored.list.pins.contains { $0.pin.contains("111222") } && stored.single.problems.isEmpty && stored.list.problems.isEmpty)
        #expect(stored.single.entry(for: "4321", fingerprint: box.fingerprint) == "PIN")
        #expect(stored.single.entry(for: "43210", fingerprint: box.fingerprint) == nil && stored.single.entry(for: "", fingerprint: box.fingerprint) == nil)
        #expect(stored.list.entry(for: "111222", fingerprint: box.fingerprint) == "alice")
        #expect(stored.list.entry(for: "333444", fingerprint: box.fingerprint) == "entry 2")
        #expect(stored.list.entry(for: "4321", fingerprint: box.fingerprint) == nil)
        #expect(list.entry(for: "333444", fingerprint: box.fingerprint) == "entry 2", "a PIN stored in clear by an older version still works")
        #expect(stored.list.entry(for: "333444", fingerprint: SecretBox(key: Array(repeating: 1, count: 32)).fingerprint) == nil,
                "another key opens nothing")
        #expect(policy.pin(route: "list")?.record == true && policy.pin(route: "single")?.record == false)
        // A locked extension is refused before it is asked for a PIN.
        var state = OutboundCallState()
        let first = state.countWrongPIN(by: "1001", at: wednesdayMorning, lockout: .init().with { $0.failures = 2; $0.minutes = 10 })
        let second = state.countWrongPIN(by: "1001", at: wednesdayMorning.addingTimeInterval(60), lockout: .init().with { $0.failures = 2; $0.minutes = 10 })
        #expect(!first && second)
        state.lock("1001", reason: "2 wrong PINs within 10 minutes", at: wednesdayMorning.addingTimeInterval(60))  // as the router does
        #expect(rule(decide(policy, "8123", state: state)) == "extension-locked")
        let unlocked = (state.unlock("1001"), state.unlock("1001"))
        #expect(unlocked == (true, false))
    }

    @Test func timeConditionsFollowTheirZoneBreaksAndEveryHolidayKind() throws {
        let hours = TimeCondition(name: "office", timeZone: "America/New_York",
                                  days: ["monday": ["09:00-12:00", "13:00-17:30"], "wednesday": ["09:00-12:00", "13:00-17:30"],
                                         "thursday": ["09:00-17:30"], "friday": ["09:00-17:30"]])
        let holidays = [Holiday(name: "christmas", annual: "12-25"), Holiday(name: "thanksgiving", month: 11, weekday: "thursday", week: 4),
                        Holiday(name: "memorial", month: 5, weekday: "monday", week: -1), Holiday(name: "party", date: "2026-12-18")]
        let open = try hours.compiled(holidays: holidays.map { try $0.rule().get() }).get()
        func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
        // 2026-11-25 is a Wednesday; New York is UTC-5 in November.
        #expect(open.isOpen(at: at("2026-11-25T14:00:00Z")))
        #expect(!open.isOpen(at: at("2026-11-25T13:59:00Z")))
        #expect(!open.isOpen(at: at("2026-11-25T17:30:00Z")), "the lunch break")
        #expect(open.isOpen(at: at("2026-11-25T18:00:00Z")))
        #expect(!open.isOpen(at: at("2026-11-25T22:30:00Z")), "17:30 is closing time")
        #expect(!open.isOpen(at: at("2026-11-26T15:00:00Z")), "Thanksgiving: the 4th Thursday of November")
        #expect(open.isOpen(at: at("2026-11-27T15:00:00Z")))
        #expect(!open.isOpen(at: at("2026-12-18T15:00:00Z")), "a one-off date")
        #expect(!open.isOpen(at: at("2026-12-25T15:00:00Z")), "every 25 December")
        #expect(!open.isOpen(at: at("2031-12-25T15:00:00Z")))
        #expect(!open.isOpen(at: at("2026-05-25T15:00:00Z")), "the last Monday of May")
        #expect(open.isOpen(at: at("2026-05-18T15:00:00Z")))
        // Summer time: 09:00 in New York is 13:00 UTC in June.
        #expect(open.isOpen(at: at("2026-06-03T13:00:00Z")) && !open.isOpen(at: at("2026-06-03T12:59:00Z")))
        // A route outside its condition is skipped; no other route: refused.
        let policy = policy([Self.route("day", ["9."], strip: 1, hours: "office")]) { $0.timeConditions.append(hours) }
        #expect(rule(decide(policy, "9123", at: at("2026-11-25T14:00:00Z"))) == "allow day 123 provider")
        #expect(rule(decide(policy, "9123", at: at("2026-11-25T23:00:00Z"))) == "route-closed")
    }

    @Test func localTimeAgreesWithTheCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        for zone in ["UTC", "Asia/Kolkata", "America/Los_Angeles", "Pacific/Chatham"] {
            calendar.timeZone = TimeZone(identifier: zone)!
            for step in stride(from: -400_000_000.0, to: 4_000_000_000.0, by: 7_777_777.0) {
                let date = Date(timeIntervalSince1970: step)
                let local = LocalTime(date, in: calendar.timeZone)
                let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
                let expected: [Int] = [parts.year!, parts.month!, parts.day!, parts.weekday!, parts.hour! * 60 + parts.minute!]
                #expect([local.year, local.month, local.day, local.weekday + 1, local.minute] == expected, "\(zone) \(date)")
            }
        }
    }

    @Test func badSettingsAreRefusedWithTheirReason() {
        func problems(_ change: (inout OutboundPolicySettings) -> Void) -> String {
            var settings = OutboundPolicySettings()
            change(&settings)
            return settings.problems(extensions: ["1001"]).joined(separator: " | ")
        }
        #expect(problems { $0.numbers = [NumberListEntry(pattern: "9.5")] }.contains("'.' may only end the pattern"))
        #expect(problems { $0.countries.allowed = ["XY"] }.contains("'XY' is not a known ISO country code"))
        #expect(problems { $0.countries.internationalPrefix = "0" }.contains("internationalPrefix must be 00, 011 or +"))
        #expect(problems { $0.holidays = [Holiday(name: "a", annual: "11-26"), Holiday(name: "b", month: 11, weekday: "thursday", week: 4)] }
            .contains("holidays 'a' and 'b' overlap"))
        #expect(problems { $0.holidays = [Holiday(name: "a", date: "2026-12-24"), Holiday(name: "b", annual: "12-24")] }.contains("overlap"))
        #expect(problems { $0.holidays = [Holiday(name: "a", annual: "11-21"), Holiday(name: "b", month: 11, weekday: "thursday", week: 4)] } == "")
        #expect(problems { $0.holidays = [Holiday(name: "a", date: "2026-02-30")] }.contains("must be a real day"))
        #expect(problems { $0.holidays = [Holiday(name: "a", date: "2026-02-03", annual: "02-03")] }.contains("exactly one of"))
        #expect(problems { $0.timeConditions[0].days = ["monday": ["09:00-12:00", "11:00-13:00"]] }.contains("ranges overlap"))
        #expect(problems { $0.timeConditions[0].timeZone = "Mars/Olympus" }.contains("unknown time zone"))
        #expect(problems { $0.timeConditions[0].days = ["funday": ["09:00-12:00"]] }.contains("not a weekday"))
        #expect(problems { $0.timeConditions = [] }.contains("'business-hours' is needed"))
        #expect(problems { $0.frequencyRules = [FrequencyRule(name: "default", limits: [.init(calls: 5)])] }.contains("exactly one of seconds or minutes"))
        #expect(problems { $0.groups = [.init(name: "sales", extensions: ["1001", "1999"])] }.contains("group 'sales': no extension 1999"))
        #expect(RoutePIN(mode: .single, pin: "12").problems == ["a PIN must be 3-15 digits (got 2 characters)"])
        #expect(RoutePIN(mode: .list, pins: [.init(pin: "123"), .init(pin: "123")]).problems == ["a PIN appears twice in the list"])
        #expect(RoutePIN(mode: .single, pin: "123").problems.isEmpty)
    }
}
