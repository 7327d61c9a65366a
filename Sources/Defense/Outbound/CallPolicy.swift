import Dialplan
import Foundation
import Model

/// The outbound call policy: every call that would leave through a trunk is decided here, and nowhere else. Built
/// once from the routes and the policy settings (patterns indexed, groups expanded, time conditions and countries
/// compiled) and swapped whole on change; `decide` is pure: the facts go in, a verdict with its rule comes out.
public struct CallPolicy: Sendable {
    /// A trunk's maximum concurrent calls and the direction they count in.
    public struct TrunkLimit: Sendable {
        public var maxCalls: Int
        public var direction: CallDirection

        public init(maxCalls: Int, direction: CallDirection) {
            self.maxCalls = maxCalls
            self.direction = direction
        }
    }

    /// What is known about a call when it is decided.
    public struct Attempt: Sendable {
        public var caller: String
        public var rules: ExtensionCallRules
        public var dialed: String
        /// The route's PIN was keyed correctly in this call.
        public var pinAccepted: Bool
        /// The global maximum duration, for extensions without their own.
        public var defaultMaxDuration: Int

        public init(caller: String, rules: ExtensionCallRules, dialed: String, pinAccepted: Bool = false, defaultMaxDuration: Int) {
            self.caller = caller
            self.rules = rules
            self.dialed = dialed
            self.pinAccepted = pinAccepted
            self.defaultMaxDuration = defaultMaxDuration
        }
    }

    struct CompiledRoute: Sendable {
        var route: OutboundRoute
        /// The patterns that parse (see `RoutingSettings.problems`), with their rewrites.
        var patterns: [(pattern: DialPattern, rewrite: NumberRewrite)]
        /// Nil: every extension.
        var permitted: Set<String>?
        var hours: OpeningHours?
    }

    let routes: [CompiledRoute]
    /// Route index and pattern index of every route pattern.
    let routeIndex: PatternIndex<(route: Int32, pattern: Int32)>
    let emergency: Set<String>
    let businessHours: OpeningHours?
    let blocked: (outbound: PatternIndex<Void>, inbound: PatternIndex<Void>)
    let allowed: (outbound: PatternIndex<Void>, inbound: PatternIndex<Void>)
    let countries: OutboundPolicySettings.Countries
    /// Calling codes of the allowed countries outside NANP, and the allowed NANP area codes.
    let allowedCodes: Set<String>
    let allowedAreaCodes: Set<String>
    let codes: CallingCodes
    let frequencyRules: [String: FrequencyRule]
    let trunkLimits: [String: TrunkLimit]
    public let settings: OutboundPolicySettings

    /// Compiles valid settings (see `OutboundPolicySettings.problems`); what does not parse is left out.
    public init(routes: [OutboundRoute] = [], trunkLimits: [String: TrunkLimit] = [:], settings: OutboundPolicySettings = OutboundPolicySettings(),
                codes: CallingCodes = .bundled) {
        let holidays = settings.holidays.compactMap { try? $0.rule().get() }
        let hours = Dictionary(settings.timeConditions.compactMap { condition in
            (try? condition.compiled(holidays: holidays).get()).map { (condition.name, $0) }
        }, uniquingKeysWith: { first, _ in first })
        let groups = Dictionary(settings.groups.map { ($0.name, $0.extensions) }, uniquingKeysWith: { first, _ in first })
        var index = PatternIndex<(route: Int32, pattern: Int32)>()
        self.routes = routes.enumerated().map { position, route in
            let patterns = route.patterns.compactMap { pattern in
                (try? DialPattern(parsing: pattern.pattern)).map { ($0, NumberRewrite(strip: pattern.strip, prepend: pattern.prepend)) }
            }
            for (patternPosition, pattern) in patterns.enumerated() { index.insert(pattern.0, (Int32(position), Int32(patternPosition))) }
            let everyone = route.extensions.isEmpty && route.groups.isEmpty
            return CompiledRoute(route: route, patterns: patterns,
                                 permitted: everyone ? nil : Set(route.extensions + route.groups.flatMap { groups[$0] ?? [] }),
                                 hours: route.hours.flatMap { hours[$0] })
        }
        routeIndex = index
        emergency = Set(settings.emergencyNumbers)
        businessHours = hours[TimeCondition.businessHours]
        func list(_ list: NumberListEntry.List, inbound: Bool) -> PatternIndex<Void> {
            var index = PatternIndex<Void>()
            for entry in settings.numbers where entry.list == list && (inbound ? entry.direction.inbound : entry.direction.outbound) {
                if let pattern = try? DialPattern(parsing: entry.pattern) { index.insert(pattern, ()) }
            }
            return index
        }
        blocked = (list(.blocked, inbound: false), list(.blocked, inbound: true))
        allowed = (list(.allowed, inbound: false), list(.allowed, inbound: true))
        countries = settings.countries
        let regions = settings.countries.allowed.map { $0.uppercased() }
        allowedCodes = Set(regions.compactMap { codes.codeByRegion[$0] }.filter { $0 != "1" })
        allowedAreaCodes = Set(codes.regionByAreaCode.filter { regions.contains($0.value) }.keys)
        self.codes = codes
        frequencyRules = Dictionary(settings.frequencyRules.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.trunkLimits = trunkLimits
        self.settings = settings
    }

    // MARK: The decision

    /// Decides one outbound call. In order: the route (first by priority whose pattern matches, that permits the
    /// caller and is open now; an emergency number takes the first matching route, unrewritten unless the rewrite is itself an emergency
    /// number, and skips everything else), then
    /// the extension's lock and flags, blocked numbers, international and country rules, call frequency, the route's
    /// PIN, and trunk capacity.
    public func decide(_ attempt: Attempt, state: OutboundCallState, now: Date) -> CallVerdict {
        let matches = matchingRoutes(attempt.dialed)
        guard let first = matches.first else { return refuse(.noRoute, "no route matches \(attempt.dialed.prefix(32))") }
        let firstNumber = number(attempt.dialed, first)
        if emergency.contains(attempt.dialed) || emergency.contains(firstNumber) {
            let route = routes[first.route].route
            // The rewritten number when it is the emergency number (dialed with an outside-line prefix), else as dialed.
            let sent = emergency.contains(firstNumber) ? firstNumber : attempt.dialed
            return .allow(OutboundCall(route: route.name, number: sent, trunks: route.trunks, maxDuration: attempt.defaultMaxDuration,
                                       emergency: true))
        }
        var chosen: (route: Int, pattern: Int)?
        var firstObstacle: CallRefusal?
        for match in matches {
            let route = routes[match.route]
            if let permitted = route.permitted, !permitted.contains(attempt.caller) {
                firstObstacle = firstObstacle ?? CallRefusal(rule: .notPermitted, detail: "route '\(route.route.name)' does not permit extension \(attempt.caller)")
            } else if let hours = route.hours, !hours.isOpen(at: now) {
                firstObstacle = firstObstacle ?? CallRefusal(rule: .routeClosed, detail: "route '\(route.route.name)' is outside its time condition '\(route.route.hours ?? "")'")
            } else {
                chosen = match
                break
            }
        }
        guard let chosen else {
            return .refuse(firstObstacle ?? CallRefusal(rule: .noRoute, detail: "no route matches \(attempt.dialed.prefix(32))"))
        }
        let route = routes[chosen.route].route
        let sent = number(attempt.dialed, chosen)
        if let lock = state.locks[attempt.caller] { return refuse(.extensionLocked, "extension \(attempt.caller) is locked for outbound calls: \(lock.reason)") }
        let rules = attempt.rules
        if rules.disableOutbound { return refuse(.outboundDisabled, "outbound calls are disabled for extension \(attempt.caller)") }
        if rules.disableOutsideBusinessHours, businessHours?.isOpen(at: now) != true {
            return refuse(.outsideBusinessHours, "extension \(attempt.caller) may call out only during business hours")
        }
        if isBlocked(attempt.dialed, sent, inbound: false) { return refuse(.blockedNumber, "\(sent.prefix(32)) is a blocked number") }
        if let digits = international(sent) {
            if rules.disallowInternational { return refuse(.internationalDisallowed, "extension \(attempt.caller) may not make international calls") }
            if countries.enabled, let refusal = countryRefusal(digits) { return .refuse(refusal) }
        }
        let frequency = frequencyRule(for: rules)
        if let limit = exceededLimit(frequency, state.recentCalls[attempt.caller] ?? [], now: now) {
            return .refuse(frequencyRefusal(attempt.caller, limit, of: frequency))
        }
        if route.pin.mode != .off && !attempt.pinAccepted { return .needsPIN(route: route.name) }
        let trunks = route.trunks.filter { hasCapacity($0, state: state) }
        guard !trunks.isEmpty else { return .refuse(trunksBusyRefusal(route.name)) }
        return .allow(OutboundCall(route: route.name, number: sent, trunks: trunks, maxDuration: rules.maxCallDuration ?? attempt.defaultMaxDuration,
                                   emergency: false))
    }

    /// A call arriving from a trunk: refused when the caller's number is blocked for inbound calls and not allowed.
    public func screenInbound(from number: String) -> CallRefusal? {
        isBlocked(number, number, inbound: true) ? CallRefusal(rule: .blockedNumber, detail: "\(number.prefix(32)) is a blocked caller") : nil
    }

    /// Whether a trunk may take one more call in `direction` (`outbound` true) now.
    public func hasCapacity(_ trunk: String, outbound: Bool = true, state: OutboundCallState) -> Bool {
        guard let limit = trunkLimits[trunk], outbound ? limit.direction.outbound : limit.direction.inbound else { return true }
        let load = state.trunkCalls[trunk] ?? (0, 0)
        let counted = limit.direction == .both ? load.inbound + load.outbound : (outbound ? load.outbound : load.inbound)
        return counted < limit.maxCalls
    }

    /// The password of the route named `name`: its `entry(for:)` checks keyed digits.
    public func pin(route name: String) -> RoutePIN? {
        routes.first { $0.route.name == name }?.route.pin
    }

    /// Calls to keep per extension to judge its frequency rule.
    public func callsRemembered(for rules: ExtensionCallRules) -> Int {
        frequencyRule(for: rules).limits.map(\.calls).max() ?? 1
    }

    /// The extension's frequency rule, else `default`.
    public func frequencyRule(for rules: ExtensionCallRules) -> FrequencyRule {
        frequencyRules[rules.frequencyRule ?? FrequencyRule.defaultName] ?? FrequencyRule.standard
    }

    /// The refusal of a call over `limit` of `rule` (locking the extension when the rule says so).
    public func frequencyRefusal(_ caller: String, _ limit: FrequencyRule.Limit, of rule: FrequencyRule) -> CallRefusal {
        CallRefusal(rule: .frequencyExceeded, detail: "extension \(caller) made \(limit.calls) calls within \(limit.period ?? 0) s (rule '\(rule.name)')",
                    locksExtension: rule.lock)
    }

    /// The refusal of a call whose route has no trunk with room.
    public func trunksBusyRefusal(_ route: String) -> CallRefusal {
        CallRefusal(rule: .trunksBusy, detail: "every trunk of route '\(route)' is at its call limit")
    }

    /// A trunk's limit on outbound calls, nil when it has none.
    public func outboundLimit(of trunk: String) -> Int? {
        trunkLimits[trunk].flatMap { $0.direction.outbound ? $0.maxCalls : nil }
    }

    // MARK: The rules' pieces

    private func refuse(_ rule: CallRule, _ detail: String) -> CallVerdict { .refuse(CallRefusal(rule: rule, detail: detail)) }

    /// Matching (route, pattern) pairs, in priority order.
    private func matchingRoutes(_ dialed: String) -> [(route: Int, pattern: Int)] {
        var matches: [(route: Int, pattern: Int)] = []
        routeIndex.forEachMatch(dialed) { match in
            matches.append((Int(match.route), Int(match.pattern)))
            return true
        }
        if matches.count > 1 { matches.sort { ($0.route, $0.pattern) < ($1.route, $1.pattern) } }
        return matches
    }

    private func number(_ dialed: String, _ match: (route: Int, pattern: Int)) -> String {
        routes[match.route].patterns[match.pattern].rewrite.apply(dialed)
    }

    /// Blocked as dialed or as sent, and allowed in neither form.
    private func isBlocked(_ dialed: String, _ sent: String, inbound: Bool) -> Bool {
        let (blocked, allowed) = inbound ? (blocked.inbound, allowed.inbound) : (blocked.outbound, allowed.outbound)
        guard blocked.count > 0, blocked.matchesAny(dialed) || blocked.matchesAny(sent) else { return false }
        return !(allowed.matchesAny(dialed) || allowed.matchesAny(sent))
    }

    /// The digits after the international prefix (or `+`), nil for a national number.
    func international(_ number: String) -> Substring? {
        if number.hasPrefix("+") { return number.dropFirst() }
        let prefix = countries.internationalPrefix
        return prefix != "+" && number.hasPrefix(prefix) ? number.dropFirst(prefix.count) : nil
    }

    private func countryRefusal(_ digits: Substring) -> CallRefusal? {
        guard let destination = codes.destination(of: digits) else {
            return CallRefusal(rule: .countryDisallowed, detail: "+\(digits.prefix(4)) is no country's calling code")
        }
        if destination.code == "1" {
            let area = String(digits.dropFirst().prefix(3))
            if allowedAreaCodes.contains(area) { return nil }
            let region = destination.region.map { "\($0) (+1 \(area))" } ?? "+1 \(area), no country's area code"
            return CallRefusal(rule: .countryDisallowed, detail: "\(region) is not an allowed country")
        }
        if allowedCodes.contains(destination.code) { return nil }
        let regions = codes.regionsByCode[destination.code]?.joined(separator: "/") ?? "?"
        return CallRefusal(rule: .countryDisallowed, detail: "\(regions) (+\(destination.code)) is not an allowed country")
    }

    /// The first limit the extension's recent calls reach: `calls` of them within its period.
    private func exceededLimit(_ rule: FrequencyRule, _ recent: [Date], now: Date) -> FrequencyRule.Limit? {
        rule.limits.first { limit in
            guard let period = limit.period, recent.count >= limit.calls else { return false }
            return now.timeIntervalSince(recent[recent.count - limit.calls]) < Double(period)
        }
    }
}
