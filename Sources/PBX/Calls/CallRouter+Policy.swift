import Defense
import Media
import Model
import NIOCore
import Synchronization

/// The outbound locks the call state keeps, and the PIN prompts its outbox asks for.
extension CallRouter {
    static let pinTries = 3

    /// Extensions locked for outbound calls (call frequency or wrong PINs), until an administrator unlocks them.
    public var outboundLocks: [String: OutboundLock] { state.withLock { $0.outbound.locks } }

    /// The locks as stored: at start, and in a cluster whenever a node locked or unlocked an extension.
    public func replace(locks: [String: OutboundLock]) {
        state.withLock { state in
            for number in state.outbound.locks.keys where locks[number] == nil { _ = state.outbound.unlock(number) }
            for (number, lock) in locks where state.outbound.locks[number] != lock { state.outbound.lock(number, reason: lock.reason, at: lock.since) }
        }
    }

    /// Lifts an extension's outbound lock (and forgets its recent calls and wrong PINs); the locks left, or nil when it
    /// was not locked.
    public func unlockOutbound(_ number: String) -> [String: OutboundLock]? {
        state.withLock { state in state.outbound.unlock(number) ? state.outbound.locks : nil }
    }

    /// The prompts of an outbox, carried out once the table's lock is released.
    func startPrompts(_ outbox: Outbox) {
        for prompt in outbox.pinPrompts {
            let collection = prompt.collection
            let endpoint = prompt.session.takeOver(.caller, audioPayloadType: collection.audioPayloadType, dtmfPayloadType: collection.dtmfPayloadType)
            let current = state.withLock { state -> Bool in
                guard state.calls[prompt.call]?.phase == .ringing else { return false }
                state.calls[prompt.call]?.pin?.endpoint = endpoint
                return true
            }
            guard current else {
                endpoint.release()
                continue
            }
            endpoint.play(.enterPIN, collecting: DigitRequest()) { [self] in pinEntered(prompt.call, $0) }
        }
        for play in outbox.plays {
            let id = play.call
            if play.collect {
                play.endpoint.play(play.prompt, collecting: DigitRequest()) { [self] in pinEntered(id, $0) }
            } else {
                play.endpoint.play(play.prompt, collecting: nil) { [self] _ in pinGoodbyePlayed(id) }
            }
        }
        for endpoint in outbox.released { endpoint.release() }
    }
}
