import SIPCore

/// What the transports deliver to: called on the channel's event loop, so it must not block or await.
public protocol SIPMessageHandler: Sendable {
    /// The message is handed over (`consuming`): a handler takes the request out of it without copying its headers.
    func handle(_ message: consuming SIPMessage, replier: SIPReplier)
    /// A message failed to parse; `badRequest` is a 400 to send when the bytes held enough to address one.
    func handleMalformed(_ error: SIPParseError, badRequest: [UInt8]?, replier: SIPReplier)
}
