import GeoIP

/// The network layer's decision for one packet or connection, before any parsing. Pure: the facts in, a verdict
/// out; the only state it touches is the caller's rate counters. In order, first match decides:
/// 1. allow list: admit (never counted, never blocked);
/// 2. static rules, in priority order: accept, drop or reject;
/// 3. block list (manual and automatic, unexpired, for this service): drop;
/// 4. country rule of the service, unless the source is exempt: drop when not allowed or unknown;
/// 5. auto-defense rate rules: over the limit, drop and report the trip (monitor-only, or a configured trunk's
///    address: report, admit).
public enum NetworkGuard {
    public static func decide(source: IPAddress, endpoint: NetworkEndpoint, now: Int64, snapshot: NetworkSnapshot,
                              counters: inout RateCounters) -> NetworkDecision {
        if snapshot.isAllowed(source) { return .admit }
        if let rule = snapshot.firstRule(for: source, service: endpoint.service) {
            switch snapshot.ruleActions[Int(rule)] {
            case .accept: return .admit
            case .drop: return NetworkDecision(verdict: .drop(.staticRule(index: Int(rule))), trip: nil)
            case .reject: return NetworkDecision(verdict: .reject(.staticRule(index: Int(rule))), trip: nil)
            }
        }
        if snapshot.hasRangeVerdicts(for: endpoint.service) {
            // One lookup answers both the range blocks and the country rule (exempt ranges count as allowed).
            if let block = snapshot.blocks.hostMatch(source, service: endpoint.service, now: now) {
                return NetworkDecision(verdict: .drop(.blocked(id: block.id)), trip: nil)
            }
            let verdict = snapshot.rangeVerdict(source, service: endpoint.service)
            let slot = verdict & ~NetworkSnapshot.allowedBit
            if slot > 0, let block = snapshot.blocks.rangeMatch(slot - 1, service: endpoint.service, now: now) {
                return NetworkDecision(verdict: .drop(.blocked(id: block.id)), trip: nil)
            }
            if verdict & NetworkSnapshot.allowedBit == 0 {
                return NetworkDecision(verdict: .drop(.country(snapshot.countries?.country(for: source))), trip: nil)
            }
        } else {
            if let block = snapshot.blocks.match(source, service: endpoint.service, now: now) {
                return NetworkDecision(verdict: .drop(.blocked(id: block.id)), trip: nil)
            }
            if snapshot.countryServices.contains(endpoint.service), snapshot.exempt.isEmpty || snapshot.exempt.value(for: source) == nil {
                let verdict = snapshot.countryVerdict(source, service: endpoint.service)
                if !verdict.allowed { return NetworkDecision(verdict: .drop(.country(verdict.country)), trip: nil) }
            }
        }
        var decision = NetworkDecision.admit
        for rule in snapshot.rateRules where rule.matches(endpoint) {
            guard let count = counters.hit(source: snapshot.rateKey(of: source), rule: rule.index, limit: rule.packets,
                                           interval: rule.interval, now: now) else { continue }
            let monitorOnly = rule.monitorOnly || snapshot.isTrunk(source)
            let trip = AutoDefenseTrip(rule: Int(rule.index), source: snapshot.rateUnit(of: source), endpoint: endpoint, packets: count,
                                       monitorOnly: monitorOnly, time: now)
            if monitorOnly {
                decision.trip = trip
            } else {
                return NetworkDecision(verdict: .drop(.autoDefense(rule: Int(rule.index))), trip: trip)
            }
        }
        return decision
    }
}
