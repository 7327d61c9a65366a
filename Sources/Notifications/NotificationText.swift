import Events
import Foundation
import Mustache

/// The words of a notification: each event's one-line summary from the catalogue, the mail body (the standard one or
/// the installation's template for that event), rendered as plain text over the event's fields. Compiled once per
/// change of the `events:` section; a field missing from an event renders empty.
public struct NotificationText: Sendable {
    private let summaries: [String: MustacheTemplate]
    private let bodies: [String: MustacheTemplate]
    private static let standardBody = try! template("""
        {{summary}}

        {{#repeated}}This happened {{repeated}} more times in the last {{interval}} seconds; the last one is shown.

        {{/repeated}}
        Event: {{name}}
        Type: {{type}}
        Level: {{level}}
        Time: {{time}}
        {{#fields}}
        {{key}}: {{value}}
        {{/fields}}

        Sent by Portcullis. Change what you receive with `portcullis notification contact` and `portcullis notification event`.
        """)

    /// `overrides`: mail templates by event name (already checked with `problem(template:)`).
    public init(overrides: [String: String] = [:]) {
        summaries = Dictionary(uniqueKeysWithValues: EventCatalogue.all.map { ($0.name, (try? NotificationText.template($0.summary)) ?? NotificationText.standardBody) })
        bodies = overrides.compactMapValues { try? NotificationText.template($0) }
    }

    /// Why `template` cannot be used as a mail template, in the words of the template engine; nil when it can.
    public static func problem(template text: String) -> String? {
        do {
            _ = try template(text)
            return nil
        } catch {
            return "the template does not parse: \(error)"
        }
    }

    private static func template(_ text: String) throws -> MustacheTemplate {
        try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
    }

    public func summary(_ event: PortcullisEvent) -> String {
        (summaries[event.kind.name]?.render(event.fields) ?? event.kind.name).trimmingCharacters(in: .whitespaces)
    }

    /// One line for chat, syslog and the subject: the summary, and the count of a coalesced message.
    public func line(_ message: NotificationMessage) -> String {
        let line = summary(message.event)
        guard let interval = message.interval else { return line }
        return line + " (\(message.count) more in the last \(interval) s)"
    }

    public func subject(_ message: NotificationMessage) -> String {
        let level = message.event.kind.level.rawValue.capitalized
        return "[Portcullis] \(level): \(message.event.kind.name)" + (message.interval.map { _ in " (\(message.count) more)" } ?? "")
    }

    public func body(_ message: NotificationMessage) -> String {
        (bodies[message.event.kind.name] ?? NotificationText.standardBody).render(context(message))
    }

    /// The values a template sees: the event's fields by name, and `name`, `type`, `level`, `time`, `summary`,
    /// `repeated` and `interval` (coalesced messages), `fields` (a list of key and value).
    func context(_ message: NotificationMessage) -> [String: Any] {
        var values: [String: Any] = message.event.fields
        values["name"] = message.event.kind.name
        values["type"] = message.event.kind.type.rawValue
        values["level"] = message.event.kind.level.rawValue
        values["time"] = message.event.time.formatted(.iso8601)
        values["summary"] = summary(message.event)
        if let interval = message.interval {
            values["repeated"] = message.count
            values["interval"] = interval
        }
        values["fields"] = message.event.fields.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] }
        return values
    }
}
