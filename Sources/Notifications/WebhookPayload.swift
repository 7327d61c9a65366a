import Crypto
import Events
import Foundation

/// The JSON a webhook receives, and its signature. `text` is what Slack and Teams incoming webhooks show; `event`
/// carries the structured facts for a program. The signature is HMAC-SHA256 over `TIMESTAMP.BODY` with the contact's
/// secret, so a receiver can check who sent it and refuse a replay of an old one.
public struct WebhookPayload: Encodable, Sendable {
    public struct Event: Encodable, Sendable {
        let name: String
        let type: String
        let level: String
        let time: String
        let fields: [String: String]
    }

    let text: String
    let event: Event
    /// Occurrences this message stands for (more than 1 when coalesced).
    let count: Int
    let interval: Int?

    public static let timestampHeader = "X-Portcullis-Timestamp"
    public static let signatureHeader = "X-Portcullis-Signature"

    public init(_ message: NotificationMessage, text: NotificationText) {
        self.text = text.line(message)
        event = Event(name: message.event.kind.name, type: message.event.kind.type.rawValue, level: message.event.kind.level.rawValue,
                      time: message.event.time.formatted(.iso8601), fields: message.event.fields)
        count = message.count
        interval = message.interval
    }

    public func body() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// `sha256=HEX` for `body` sent at `timestamp` (Unix seconds).
    public static func signature(body: Data, timestamp: Int, secret: String) -> String {
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }
}
