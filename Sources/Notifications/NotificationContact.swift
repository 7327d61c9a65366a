import Events
import Foundation
import Mail
import Model

/// Someone to tell: one channel (an email address, a webhook, a syslog server) and which events it receives: those
/// at its levels, plus any named in `events`. Events switched off in the catalogue reach no contact.
public struct NotificationContact: StrictCodable {
    public static let maxEvents = 100

    public var name = ""
    public var email: String?
    /// An `https://` address (plain `http://` only to this host, for a local relay).
    public var webhook: String?
    /// The webhook's signing secret: sealed in the store, never shown (`secretSet`).
    public var secret: String?
    /// `udp://HOST:PORT`, `tcp://HOST:PORT` or `tls://HOST:PORT`.
    public var syslog: String?
    /// An extension the PBX calls to read the event out.
    public var `extension`: String?
    /// A number outside the PBX called through the outbound routes, as `caller` would dial it (its permissions apply);
    /// without a caller, only through routes open to every extension, with the policy's default rules.
    public var mobile: String?
    public var caller: String?
    /// Calls made for one message when nobody answers (each rings `ringSeconds`, `retryAfter` seconds apart).
    public var attempts = 3
    public var ringSeconds = 30
    public var retryAfter = 10
    public var levels: [EventKind.Level] = [.alert]
    public var events: [String] = []

    public init() {}

    public static let fields: [StrictField<NotificationContact>] = [
        .required("name", \.name), .init("email", \.email), .init("webhook", \.webhook), .init("secret", \.secret), .init("syslog", \.syslog),
        .init("extension", \.extension), .init("mobile", \.mobile), .init("caller", \.caller), .init("attempts", \.attempts), .init("ringSeconds", \.ringSeconds), .init("retryAfter", \.retryAfter),
        .init("levels", \.levels), .init("events", \.events),
    ]

    /// Where messages go, as the one channel given.
    public enum Channel: Sendable, Equatable {
        case email(String)
        case webhook(URL)
        case syslog(SyslogTarget)
        /// A call to an extension, read out as speech.
        case call(extension: String)
        /// A call outside, through the route `caller` would take (nil: a route open to every extension).
        case mobile(number: String, caller: String?)
    }

    /// nil when not exactly one valid channel is given (see `problems`).
    public var channel: Channel? {
        switch (email, webhook, syslog, `extension`, mobile) {
        case (let email?, nil, nil, nil, nil): MailAddress.isValid(email) ? .email(email) : nil
        case (nil, let webhook?, nil, nil, nil): NotificationContact.webhookURL(webhook).map(Channel.webhook)
        case (nil, nil, let syslog?, nil, nil): SyslogTarget(syslog).map(Channel.syslog)
        case (nil, nil, nil, let number?, nil): NotificationContact.isExtensionNumber(number) ? .call(extension: number) : nil
        case (nil, nil, nil, nil, let number?):
            NotificationContact.isDialable(number) && caller.map(NotificationContact.isExtensionNumber) != false ? .mobile(number: number, caller: caller) : nil
        default: nil
        }
    }

    /// Whether `event` (as this installation has it) is for this contact.
    public func wants(_ event: PortcullisEvent) -> Bool {
        levels.contains(event.kind.level) || events.contains(event.kind.name)
    }

    /// Every problem as `FIELD: message`.
    public var problems: [String] {
        var problems: [String] = []
        if name.isEmpty || name.count > 64 || !name.allSatisfy({ $0.isLetter || $0.isNumber || " ._-@".contains($0) }) {
            problems.append("name: 1-64 letters, digits, spaces and . _ - @")
        }
        let given = [email, webhook, syslog, `extension`, mobile].compactMap { $0 }.count
        if given != 1 {
            problems.append("channel: give exactly one of email, webhook, syslog, extension or mobile")
        } else if let email, !MailAddress.isValid(email) {
            problems.append("email: must be an address such as ops@example.com")
        } else if let webhook, NotificationContact.webhookURL(webhook) == nil {
            problems.append("webhook: must be an https:// address (http:// only to 127.0.0.1, ::1 or localhost), at most 2048 characters")
        } else if let syslog, SyslogTarget(syslog) == nil {
            problems.append("syslog: must be udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT")
        } else if let number = `extension`, !NotificationContact.isExtensionNumber(number) {
            problems.append("extension: must be an extension number (digits)")
        } else if let number = mobile, !NotificationContact.isDialable(number) {
            problems.append("mobile: must be a number as an extension dials it (digits, a leading +)")
        } else if let caller, !NotificationContact.isExtensionNumber(caller) {
            problems.append("caller: must be an extension number (digits)")
        }
        if caller != nil, mobile == nil { problems.append("caller: only a mobile contact has a caller") }
        problems.check(attempts, 1...10, "attempts")
        problems.check(ringSeconds, 5...120, "ringSeconds", " seconds")
        problems.check(retryAfter, 5...3_600, "retryAfter", " seconds")
        if secret != nil, webhook == nil { problems.append("secret: only a webhook has a secret") }
        if let secret, secret.count < 16 || secret.count > 256 { problems.append("secret: 16-256 characters") }
        if levels.isEmpty && events.isEmpty { problems.append("levels: give a level or an event, or the contact receives nothing") }
        if events.count > NotificationContact.maxEvents { problems.append("events: at most \(NotificationContact.maxEvents)") }
        for unknown in events where EventCatalogue.kind(named: unknown) == nil {
            problems.append("events: no event is named '\(unknown.prefix(64))'")
        }
        return problems
    }

    static func isExtensionNumber(_ text: String) -> Bool { (1...32).contains(text.count) && text.allSatisfy { $0.isASCII && $0.isNumber } }

    static func isDialable(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return (3...32).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func webhookURL(_ text: String) -> URL? {
        guard text.count <= 2_048, let url = URL(string: text), let host = url.host, !host.isEmpty, url.user == nil else { return nil }
        switch url.scheme?.lowercased() {
        case "https": return url
        case "http": return ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host) || host.hasPrefix("127.") ? url : nil
        default: return nil
        }
    }
}

/// A syslog server and how to reach it.
public struct SyslogTarget: Sendable, Equatable {
    public enum Transport: String, Sendable { case udp, tcp, tls }

    public let transport: Transport
    public let host: String
    public let port: Int

    public init?(_ text: String) {
        guard let url = URL(string: text), let scheme = url.scheme.flatMap({ Transport(rawValue: $0.lowercased()) }),
              let host = url.host, !host.isEmpty, host.count <= 253, let port = url.port, (1...65_535).contains(port),
              url.path.isEmpty || url.path == "/", url.user == nil, url.query == nil else { return nil }
        transport = scheme
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = port
    }
}

extension NotificationContact.Channel: CustomStringConvertible {
    /// As lists show it: `email ops@example.com`, `call 1002`...
    public var description: String {
        switch self {
        case .email(let address): "email \(address)"
        case .webhook(let url): "webhook \(url.absoluteString)"
        case .syslog(let target): "syslog \(target.transport.rawValue)://\(target.host):\(target.port)"
        case .call(let number): "call \(number)"
        case .mobile(let number, let caller): "call \(number)" + (caller.map { " as \($0)" } ?? "")
        }
    }
}
