@testable import AdminAPI
import Foundation
import Testing

struct SummaryCacheTests {
    static func summary(at time: Date) -> SecuritySummary {
        SecuritySummary(generatedAt: time, layers: [], blocks: [], activeBlocks: 0, countries: [], targetedAccounts: [], registrations: 0, calls: 0,
                        outboundLocks: 0, lastAlerts: [], recommendations: [])
    }

    @Test func freshThenStaleWithOneRecountThenTooOld() {
        let cache = SummaryCache()
        let start = Date(timeIntervalSince1970: 1_000)
        guard case .missing = cache.lookup(at: start) else { Issue.record("an empty cache has nothing"); return }
        cache.finish(Self.summary(at: start))
        guard case .fresh = cache.lookup(at: start.addingTimeInterval(SecuritySummary.freshness - 1)) else { Issue.record("fresh"); return }
        let later = start.addingTimeInterval(SecuritySummary.freshness + 1)
        guard case .stale(_, let first) = cache.lookup(at: later), case .stale(_, let second) = cache.lookup(at: later) else {
            Issue.record("a summary past its freshness is still answered"); return
        }
        #expect(first && !second)  // one recount at a time
        cache.finish(nil)  // the recount failed: the next caller tries again
        guard case .stale(_, let again) = cache.lookup(at: later) else { Issue.record("stale"); return }
        #expect(again)
        cache.finish(Self.summary(at: later))
        guard case .fresh(let recounted) = cache.lookup(at: later) else { Issue.record("recounted"); return }
        #expect(recounted.generatedAt == later)
        guard case .missing = cache.lookup(at: later.addingTimeInterval(SecuritySummary.maxAge)) else { Issue.record("too old to show"); return }
        guard case .missing = cache.lookup(at: later.addingTimeInterval(-1)) else { Issue.record("a clock that went back counts again"); return }
    }
}
