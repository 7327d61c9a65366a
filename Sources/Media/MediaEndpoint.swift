import NIOConcurrencyHelpers
import NIOCore

/// The PBX as the media peer of one side of a call: plays prompts (G.711, 20 ms packets) and collects RFC 4733
/// digits. A digit keyed during a prompt stops it and counts (barge-in). Everything runs on the event loop of the
/// call's signalling; the relay's thread hands each packet heard over to it.
public final class MediaEndpoint: Sendable {
    private struct State: Sendable {
        var sequence = UInt16.random(in: .min ... .max)
        var timestamp = UInt32.random(in: .min ... .max)
        let ssrc = UInt32.random(in: .min ... .max)
        var detector: DTMFDetector?
        var playing: RepeatedTask?
        var collector: DigitCollector?
        var timeout: Scheduled<Void>?
        var completion: (@Sendable (String?) -> Void)?
        var stopped = false
    }

    let side: MediaSession.Side
    private let session: MediaSession
    private let audioPayloadType: UInt8
    private let loop: any EventLoop
    private let state: NIOLockedValueBox<State>

    init(session: MediaSession, side: MediaSession.Side, audioPayloadType: UInt8, dtmfPayloadType: UInt8?, loop: any EventLoop) {
        self.session = session
        self.side = side
        self.audioPayloadType = audioPayloadType == 8 ? 8 : 0
        self.loop = loop
        var initial = State()
        initial.detector = dtmfPayloadType.map(DTMFDetector.init)
        state = NIOLockedValueBox(initial)
    }

    /// Plays `prompt`, then collects digits for `request` (nil: just play); `completion` gets the digits, or nil on
    /// timeout or when the call ends first. One request at a time: a new one replaces the last.
    public func play(_ prompt: Prompt, collecting request: DigitRequest?, completion: @escaping @Sendable (String?) -> Void) {
        let samples = prompt.samples(payloadType: audioPayloadType)
        let cursor = NIOLockedValueBox(0)
        let previous = state.withLockedValue { state -> (@Sendable (String?) -> Void)? in
            state.playing?.cancel()
            state.timeout?.cancel()
            state.collector = request.map(DigitCollector.init)
            defer { state.completion = completion }
            return state.completion
        }
        previous?(nil)
        let task = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(20)) { [self] task in
            let offset = cursor.withLockedValue { offset -> Int in
                defer { offset += 160 }
                return offset
            }
            guard offset < samples.count else {
                task.cancel()
                promptEnded(request)
                return
            }
            let chunk = Array(samples[offset..<min(offset + 160, samples.count)]) + Array(repeating: audioPayloadType == 8 ? 0xD5 : 0xFF,
                                                                                      count: max(0, offset + 160 - samples.count))
            let packet = state.withLockedValue { state -> [UInt8] in
                defer {
                    state.sequence &+= 1
                    state.timestamp &+= 160
                }
                return RTPPacket(marker: offset == 0, payloadType: audioPayloadType, sequence: state.sequence, timestamp: state.timestamp,
                                 ssrc: state.ssrc, payload: chunk).bytes
            }
            session.send(packet, to: side)
        }
        state.withLockedValue { $0.playing = task }
    }

    /// Gives the side back to the relay.
    public func release() {
        stop()
        session.release(self)
    }

    func stop() {
        let completion = state.withLockedValue { state -> (@Sendable (String?) -> Void)? in
            state.stopped = true
            state.playing?.cancel()
            state.timeout?.cancel()
            defer { state.completion = nil }
            return state.completion
        }
        completion?(nil)
    }

    private func promptEnded(_ request: DigitRequest?) {
        guard let request else { return finish(with: "") }
        armTimeout(request.timeout)
    }

    private func armTimeout(_ seconds: Int) {
        let timeout = loop.scheduleTask(in: .seconds(Int64(seconds))) { [self] in finish(with: nil) }
        state.withLockedValue { state in
            state.timeout?.cancel()
            state.timeout = timeout
        }
    }

    /// A packet from the side, handed over by the relay's thread.
    func hear(_ bytes: [UInt8]) {
        loop.execute { self.received(bytes) }
    }

    func received(_ bytes: [UInt8]) {
        guard let packet = RTPPacket(bytes) else { return }
        var outcome: DigitCollector.Outcome?
        var timeoutSeconds: Int?
        state.withLockedValue { state in
            guard !state.stopped, let digit = state.detector?.receive(packet), var collector = state.collector else { return }
            state.playing?.cancel()
            outcome = collector.add(digit)
            state.collector = collector
            timeoutSeconds = collector.request.timeout
        }
        switch outcome {
        case .done(let digits): finish(with: digits)
        case .more: if let timeoutSeconds { armTimeout(timeoutSeconds) }
        case nil: break
        }
    }

    private func finish(with digits: String?) {
        let completion = state.withLockedValue { state -> (@Sendable (String?) -> Void)? in
            state.timeout?.cancel()
            state.collector = nil
            defer { state.completion = nil }
            return state.completion
        }
        completion?(digits)
    }
}
