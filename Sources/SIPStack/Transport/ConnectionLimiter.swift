import NIOCore
import Synchronization

/// Counts open connections per source address and in total, and refuses one over either cap at accept, before a
/// byte of it is read. Shared by the SIP and admin listeners. Bounded: an entry exists only for a source with
/// open connections, so there are never more entries than `maxTotal`.
public final class ConnectionLimiter: Sendable {
    public enum Cap: String, Sendable {
        case total
        case perSource = "per-source"
    }

    /// A refused connection: which cap and its limit, and whether it is the first refusal since that cap was last
    /// below its limit (the moment worth an event; every refusal is worth a metric).
    public struct Refusal: Sendable, Equatable {
        public var cap: Cap
        public var limit: Int
        public var first: Bool
    }

    private struct State {
        var bySource: [String: Int] = [:]
        var total = 0
        var totalAtCap = false
        var sourcesAtCap: Set<String> = []
    }

    public let maxTotal: Int
    public let maxPerSource: Int
    private let state = Mutex(State())

    public init(maxTotal: Int, maxPerSource: Int) {
        self.maxTotal = maxTotal
        self.maxPerSource = maxPerSource
    }

    /// Takes a place for `channel`, a connection from `source`, given back when it closes; or says which cap refuses it
    /// (the caller closes it).
    public func admit(_ channel: any Channel, from source: String) -> Refusal? {
        if let refusal = open(source) { return refusal }
        channel.closeFuture.whenComplete { [self] _ in close(source) }
        return nil
    }

    private func open(_ source: String) -> Refusal? {
        state.withLock { state in
            if state.total >= maxTotal {
                defer { state.totalAtCap = true }
                return Refusal(cap: .total, limit: maxTotal, first: !state.totalAtCap)
            }
            let count = state.bySource[source, default: 0]
            if count >= maxPerSource {
                return Refusal(cap: .perSource, limit: maxPerSource, first: state.sourcesAtCap.insert(source).inserted)
            }
            state.bySource[source] = count + 1
            state.total += 1
            return nil
        }
    }

    private func close(_ source: String) {
        state.withLock { state in
            let count = state.bySource[source, default: 1] - 1
            state.bySource[source] = count > 0 ? count : nil
            state.total = max(0, state.total - 1)
            if count < maxPerSource { state.sourcesAtCap.remove(source) }
            if state.total < maxTotal { state.totalAtCap = false }
        }
    }

    public var openConnections: Int { state.withLock { $0.total } }
}
