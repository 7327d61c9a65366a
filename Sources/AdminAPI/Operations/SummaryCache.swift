import Foundation
import Synchronization

/// The last security summary, and whether a recount is under way (one at a time).
final class SummaryCache: Sendable {
    enum Lookup {
        case fresh(SecuritySummary)
        /// Past its freshness: answer it; `recount` says this caller starts the one recount.
        case stale(SecuritySummary, recount: Bool)
        case missing
    }

    private struct State {
        var summary: SecuritySummary?
        var counting = false
    }

    private let state = Mutex(State())

    func lookup(at now: Date) -> Lookup {
        state.withLock { state in
            guard let summary = state.summary else { return .missing }
            let age = now.timeIntervalSince(summary.generatedAt)
            if age >= 0 && age < SecuritySummary.freshness { return .fresh(summary) }
            if age < 0 || age >= SecuritySummary.maxAge { return .missing }
            let recount = !state.counting
            state.counting = true
            return .stale(summary, recount: recount)
        }
    }

    /// A recount's result (nil when it failed: the next lookup tries again).
    func finish(_ summary: SecuritySummary?) {
        state.withLock { state in
            if let summary { state.summary = summary }
            state.counting = false
        }
    }
}
