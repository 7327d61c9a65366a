import Events
import Foundation
import Model
import Notifications
import SIPAuth
import Storage

/// The contingency layer's settings: who is told of which events (`notifications:`), the catalogue as this
/// installation has it and how long the log keeps what (`events:`). A change is stored, then the running notifier
/// and bus read it again; without a running server the store alone changes and the server reads it when it starts.
extension AdminService {
    // MARK: Contacts

    public func notificationContacts() async throws(AdminError) -> NotificationsView {
        let settings = try await settings(NotificationSettings.self)
        return NotificationsView(interval: settings.interval, contacts: settings.contacts.map(view))
    }

    public func addNotificationContact(_ contact: NotificationContact) async throws(AdminError) -> NotificationsView {
        var settings = try await settings(NotificationSettings.self)
        guard !settings.contacts.contains(where: { $0.name == contact.name }) else {
            throw AdminError(.conflict, "a contact named '\(contact.name.prefix(64))' exists already: remove it first")
        }
        var added = contact
        added.secret = contact.secret.map(secrets.seal)
        settings.contacts.append(added)
        try await saveNotifications(settings, problems: contact.problems + settings.problems.filter { !$0.contains("].") },
                                    change: ["added": contact.name])
        return try await notificationContacts()
    }

    public func removeNotificationContact(_ name: String) async throws(AdminError) -> NotificationsView {
        var settings = try await settings(NotificationSettings.self)
        guard settings.contacts.contains(where: { $0.name == name }) else { throw AdminError(.notFound, "no contact is named '\(name.prefix(64))'") }
        settings.contacts.removeAll { $0.name == name }
        try await saveNotifications(settings, problems: [], change: ["removed": name])
        return try await notificationContacts()
    }

    public func updateNotificationOptions(_ options: NotificationOptions) async throws(AdminError) -> NotificationsView {
        var settings = try await settings(NotificationSettings.self)
        settings.interval = options.interval
        var problems: [String] = []
        problems.check(options.interval, 10...3_600, "interval", " seconds")
        try await saveNotifications(settings, problems: problems, change: ["interval": "\(options.interval)s"])
        return try await notificationContacts()
    }

    /// Sends a test message to the contact and waits for the outcome; the error says what the channel answered.
    public func testNotificationContact(_ name: String) async throws(AdminError) -> NotificationTestResult {
        guard try await settings(NotificationSettings.self).contacts.contains(where: { $0.name == name }) else {
            throw AdminError(.notFound, "no contact is named '\(name.prefix(64))'")
        }
        guard let notifier else { throw AdminError(.conflict, "notifications are sent by the running server: start it (portcullis serve)") }
        do {
            try await notifier.test(name, requestedBy: AdminCaller.current?.actor ?? "?")
        } catch {
            throw AdminError(.upstreamFailed, error.description)
        }
        return NotificationTestResult(sent: true, contact: name)
    }

    private func saveNotifications(_ settings: NotificationSettings, problems: [String], change: [String: String]) async throws(AdminError) {
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        try await storeCall { try await store.save(settings) }
        await notifier?.reload()
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "notifications"].merging(change) { first, _ in first }))
    }

    private func view(_ contact: NotificationContact) -> NotificationContactView {
        var shown = contact
        shown.secret = nil
        return NotificationContactView(contact: shown, secretSet: contact.secret != nil, status: notifier?.status(of: contact.name))
    }

    // MARK: Catalogue and retention

    public func eventCatalogue() async throws(AdminError) -> [CatalogueEntry] {
        let settings = try await settings(EventSettings.self)
        return EventCatalogue.all.map { kind in CatalogueEntry(kind, settings.kind(kind)) }
    }

    public func changeEvent(_ name: String, _ change: EventChange) async throws(AdminError) -> CatalogueEntry {
        guard let kind = EventCatalogue.kind(named: name) else { throw AdminError(.notFound, "no event is named '\(name.prefix(64))'") }
        var settings = try await settings(EventSettings.self)
        var override = change.reset ? EventSettings.Override() : settings.overrides.first { $0.name == name } ?? EventSettings.Override()
        override.name = name
        if let level = change.level { override.level = level == kind.level ? nil : level }
        if let notify = change.notify { override.notify = notify == kind.notifies ? nil : notify }
        if let template = change.template { override.template = template.isEmpty ? nil : template }
        settings.apply(override)
        var problems = settings.problems
        if let template = override.template, let problem = NotificationText.problem(template: template) { problems.append("template: \(problem)") }
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        try await storeCall { try await store.save(settings) }
        await notifier?.reload()
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "events", "event": name]))
        return CatalogueEntry(kind, settings.kind(kind))
    }

    public func eventRetention() async throws(AdminError) -> RetentionView {
        RetentionView(retention: try await settings(EventSettings.self).retention, report: try await settings(RetentionReport.self))
    }

    /// Stores the retention and applies it at once (removing what it no longer keeps, counted in the report).
    public func updateEventRetention(_ retention: EventRetention) async throws(AdminError) -> RetentionView {
        var settings = try await settings(EventSettings.self)
        settings.retention = retention
        let problems = retention.problems
        guard problems.isEmpty else { throw AdminError(.invalidInput, problems.joined(separator: "; "), problems: problems) }
        try await storeCall { try await store.save(settings) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "events retention"]))
        _ = try await storeCall { try await RetentionReport.pass(over: store) }
        return try await eventRetention()
    }
}

/// `GET /api/v1/notifications`.
public struct NotificationsView: Codable, Sendable {
    public var interval: Int
    public var contacts: [NotificationContactView]
}

/// A contact as shown: never its secret; how its deliveries went while the server runs.
public struct NotificationContactView: Codable, Sendable {
    public var contact: NotificationContact
    public var secretSet: Bool
    public var status: Notifier.Status?
}

/// Body of `PUT /api/v1/notifications/options`.
public struct NotificationOptions: StrictCodable {
    public var interval = NotificationSettings().interval
    public init() {}
    public static let fields: [StrictField<NotificationOptions>] = [.required("interval", \.interval)]
}

public struct NotificationTestResult: Codable, Sendable {
    public var sent: Bool
    public var contact: String
}

/// One catalogue entry: the installation's level and switch beside the defaults.
public struct CatalogueEntry: Codable, Sendable {
    public var name: String
    public var type: EventKind.EventType
    public var level: EventKind.Level
    public var defaultLevel: EventKind.Level
    public var notify: Bool
    public var defaultNotify: Bool
    public var summary: String
    /// The installation's mail template for this event; nil: the standard one.
    public var template: String?

    init(_ kind: EventKind, _ effective: EffectiveEvent) {
        name = kind.name
        type = kind.type
        level = effective.kind.level
        defaultLevel = kind.level
        notify = effective.notify
        defaultNotify = kind.notifies
        summary = kind.summary
        template = effective.template
    }
}

/// Body of `PUT /api/v1/events/catalogue/{name}`: what is given changes; `template` "" is the standard one again;
/// `reset` first returns the event to the catalogue's defaults.
public struct EventChange: StrictCodable {
    public var level: EventKind.Level?
    public var notify: Bool?
    public var template: String?
    public var reset = false
    public init() {}
    public static let fields: [StrictField<EventChange>] = [.init("level", \.level), .init("notify", \.notify), .init("template", \.template),
                                                            .init("reset", \.reset)]
}

/// `GET /api/v1/events/retention`.
public struct RetentionView: Codable, Sendable {
    public var retention: EventRetention
    public var report: RetentionReport
}
