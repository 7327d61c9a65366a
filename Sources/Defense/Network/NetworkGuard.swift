import GeoIP

/// The network layer's decision for one packet or connection, before any parsing. Pure: the facts in, a verdict
/// out; the only state it touches is the caller's rate counters. In order, first match decides:
/// 1. allow list: admit (never counted, never blocked);
/// 2. static rules, in priority order: accept, drop or reject;
/// 3. block list (manual and automatic, unexpired, for this service): drop;
/// 4. country rule of the service, unless the source is exempt: drop when not allowed or unknown;
/// 5. auto-defense rate rules: over the limit, drop and report the trip (monitor-only: report, admit).
public enum NetworkGuard {
    public static func decide(source: IPAddress, endpoint: NetworkEndpoint, now: Int64, snapshot: NetworkSnapshot,
                              counters: inout RateCounters) -> NetworkDecision {
        let key = source.v6Value
        if snapshot.allow.count > 0, snapshot.allow.value(for: key) != nil { return .admit }
        for (index, rule) in snapshot.rules.enumerated() where rule.services.contains(endpoint.service) {
            if let sources = rule.sources, sources.value(for: key) == nil { continue }
            switch rule.action {
            case .accept: return .admit
            case .drop: return NetworkDecision(verdict: .drop(.staticRule(index: index)), trip: nil)
            case .reject: return NetworkDecision(verdict: .reject(.staticRule(index: index)), trip: nil)
            }
        }
        let isV6: Bool
        if case .v6 = source { isV6 = true } else { isV6 = false }
        if let block = snapshot.blocks.match(key, isV6: isV6, service: endpoint.service, now: now) {
            return NetworkDecision(verdict: .drop(.blocked(id: block.id)), trip: nil)
        }
        if let allowed = snapshot.allowedCountries[endpoint.service.position], snapshot.exempt.value(for: key) == nil {
            let country = snapshot.countries?.country(for: source)
            if country.map({ !allowed.contains($0) }) ?? true {
                return NetworkDecision(verdict: .drop(.country(country)), trip: nil)
            }
        }
        var decision = NetworkDecision.admit
        for rule in snapshot.rateRules where rule.matches(endpoint) {
            let unit = snapshot.rateUnit(of: source)
            guard let count = counters.hit(source: unit.address.v6Value, rule: rule.index, limit: rule.packets,
                                           interval: rule.interval, now: now) else { continue }
            let trip = AutoDefenseTrip(rule: Int(rule.index), source: unit, endpoint: endpoint, packets: count,
                                       monitorOnly: rule.monitorOnly, time: now)
            if rule.monitorOnly {
                decision.trip = trip
            } else {
                return NetworkDecision(verdict: .drop(.autoDefense(rule: Int(rule.index))), trip: trip)
            }
        }
        return decision
    }
}

extension NetworkService {
    var position: Int {
        switch self {
        case .sip: 0
        case .api: 1
        case .https: 2
        case .ssh: 3
        }
    }
}
