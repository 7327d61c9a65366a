import Synchronization

/// In-process fan-out of events. `publish` never blocks and never awaits, so the SIP hot path can call it;
/// each subscriber has a bounded buffer and a slow one loses its oldest events, counted in `dropped`.
public final class EventBus: Sendable {
    private struct State {
        var subscribers: [Int: AsyncStream<PortcullisEvent>.Continuation] = [:]
        var nextID = 0
        var dropped = 0
    }

    private let state = Mutex(State())
    private let bufferSize: Int

    public init(bufferSize: Int = 10_000) {
        self.bufferSize = bufferSize
    }

    public var dropped: Int { state.withLock { $0.dropped } }

    public func publish(_ event: PortcullisEvent) {
        let continuations = state.withLock { Array($0.subscribers.values) }
        for continuation in continuations {
            if case .dropped = continuation.yield(event) {
                state.withLock { $0.dropped += 1 }
            }
        }
    }

    /// A stream of every event published from now on; it ends when `finish()` is called.
    public func subscribe() -> AsyncStream<PortcullisEvent> {
        let (stream, continuation) = AsyncStream<PortcullisEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every subscription after it has delivered what is buffered.
    public func finish() {
        let continuations = state.withLock { Array($0.subscribers.values) }
        for continuation in continuations { continuation.finish() }
    }
}
