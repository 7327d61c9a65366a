import Events
import Foundation
import Logging
import Mail
import Model
import NIOCore
import SIPAuth
import ServiceLifecycle
import Storage
import Synchronization

/// Tells the contacts: subscribes to the event bus, lets the `NotificationCoalescer` decide what each contact is
/// sent, and hands messages to one queue per contact, delivered off the hot path. A queue holds at most
/// `queueLimit` messages (more are dropped and counted); a contact that fails raises "Notification Delivery Failed"
/// once, and again only after it has worked in between.
public final class Notifier: Service, Sendable {
    public static let queueLimit = 100

    /// One contact as configured, with its webhook secret opened.
    struct Contact: Sendable {
        let contact: NotificationContact
        let channel: NotificationContact.Channel
        let secret: String?
    }

    /// How a contact's deliveries have gone since the server started.
    public struct Status: Codable, Sendable, Equatable {
        public var delivered = 0
        public var failed = 0
        public var dropped = 0
        public var failing = false
        public var lastError: String?
        public var lastDelivered: Date?
    }

    struct State {
        var contacts: [String: Contact] = [:]
        var events = EventSettings()
        var text = NotificationText()
        var coalescer = NotificationCoalescer(interval: Double(NotificationSettings().interval))
        var queues: [String: AsyncStream<NotificationMessage>.Continuation] = [:]
        var status: [String: Status] = [:]
    }

    private let bus: EventBus
    private let store: any PortcullisStore
    private let secrets: SecretBox
    private let delivery: NotificationDelivery
    private let logger: Logger
    private let events: EventStream
    private let state = Mutex(State())

    /// Subscribes at once, so events published before `run` starts are told too.
    /// `placeCall`: how the running PBX calls an extension (nil: call contacts fail, saying so).
    public init(bus: EventBus, store: any PortcullisStore, secrets: SecretBox, placeCall: NotificationDelivery.PlaceCall?, logger: Logger) {
        self.bus = bus
        self.store = store
        self.secrets = secrets
        self.logger = logger
        events = bus.subscribe()
        delivery = NotificationDelivery(mailer: {
            guard let settings = try? await store.settings(SMTPSettings.self), settings.isConfigured else { return nil }
            return SMTPClient(settings: settings, password: settings.password.flatMap { try? secrets.open($0) })
        }, placeCall: placeCall, hostname: ProcessInfo.processInfo.hostName)
    }

    public func run() async throws {
        await reload()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    let messages = state.withLock { $0.coalescer.flush(now: Date()) }
                    for message in messages { enqueue(message) }
                }
            }
            for await event in events.cancelOnGracefulShutdown() { handle(event) }
            group.cancelAll()
        }
        let queues = state.withLock { $0.queues.values }
        for queue in queues { queue.finish() }
    }

    /// Reads the `notifications:` and `events:` sections again (after a change). Unreadable: the last good ones stay.
    public func reload() async {
        let settings: NotificationSettings
        let events: EventSettings
        do {
            settings = try await store.settings(NotificationSettings.self)
            events = try await store.settings(EventSettings.self)
        } catch {
            logger.error("notification settings unreadable; the previous ones stay", metadata: ["error": "\(error)"])
            return
        }
        var contacts: [String: Contact] = [:]
        for contact in settings.contacts {
            guard let channel = contact.channel else { continue }
            let secret = contact.secret.flatMap { try? secrets.open($0) }
            // A webhook whose secret cannot be opened (sealed under another installation's key) is not sent unsigned.
            guard contact.secret == nil || secret != nil else {
                logger.error("a contact's secret cannot be opened; it is not sent to", metadata: ["contact": "\(contact.name)"])
                continue
            }
            contacts[contact.name] = Contact(contact: contact, channel: channel, secret: secret)
        }
        let text = NotificationText(overrides: Dictionary(events.overrides.compactMap { o in o.template.map { (o.name, $0) } },
                                                          uniquingKeysWith: { _, last in last }))
        bus.setLevels(events.levels)
        let started: [(String, AsyncStream<NotificationMessage>)] = state.withLock { state in
            state.contacts = contacts
            state.events = events
            state.text = text
            state.coalescer.interval = Double(settings.interval)
            state.coalescer.keep(contacts: Set(contacts.keys))
            for (name, queue) in state.queues where contacts[name] == nil {
                queue.finish()
                state.queues[name] = nil
                state.status[name] = nil
            }
            return contacts.keys.filter { state.queues[$0] == nil }.map { name in
                let (stream, continuation) = AsyncStream<NotificationMessage>.makeStream(bufferingPolicy: .bufferingOldest(Notifier.queueLimit))
                state.queues[name] = continuation
                state.status[name] = Status()
                return (name, stream)
            }
        }
        for (name, stream) in started {
            Task { [self] in
                for await message in stream { await deliver(message, to: name) }
            }
        }
    }

    public func status(of contact: String) -> Status? { state.withLock { $0.status[contact] } }

    /// Sends a test message to `contact` now, outside the coalescing, and waits for the outcome.
    public func test(_ contact: String, requestedBy user: String) async throws(NotificationDelivery.Failure) {
        guard let (target, text) = state.withLock({ state in state.contacts[contact].map { ($0, state.text) } }) else {
            throw NotificationDelivery.Failure(description: "no contact is named '\(contact.prefix(64))'")
        }
        let event = PortcullisEvent(EventCatalogue.notificationTest, fields: ["contact": contact, "requestedBy": user])
        try await delivery.deliver(NotificationMessage(contact: contact, event: event, count: 1, interval: nil), to: target.contact,
                                   channel: target.channel, secret: target.secret, text: text)
    }

    private func handle(_ event: PortcullisEvent) {
        let messages: [NotificationMessage] = state.withLock { state in
            guard state.events.kind(event.kind).notify else { return [] }
            let names = state.contacts.values.filter { $0.contact.wants(event) }.map(\.contact.name)
            return names.isEmpty ? [] : state.coalescer.admit(event, for: names, now: Date())
        }
        for message in messages { enqueue(message) }
    }

    private func enqueue(_ message: NotificationMessage) {
        state.withLock { state in
            guard let queue = state.queues[message.contact] else { return }
            if case .dropped = queue.yield(message) { state.status[message.contact]?.dropped += 1 }
        }
    }

    private func deliver(_ message: NotificationMessage, to name: String) async {
        guard let (contact, text) = state.withLock({ state in state.contacts[name].map { ($0, state.text) } }) else { return }
        do {
            try await delivery.deliver(message, to: contact.contact, channel: contact.channel, secret: contact.secret, text: text)
            state.withLock { state in
                state.status[name]?.delivered += 1
                state.status[name]?.failing = false
                state.status[name]?.lastDelivered = Date()
            }
        } catch {
            let first = state.withLock { state in
                let first = state.status[name]?.failing == false
                state.status[name]?.failed += 1
                state.status[name]?.failing = true
                state.status[name]?.lastError = error.description
                return first
            }
            logger.warning("notification not delivered", metadata: ["contact": "\(name)", "reason": "\(error.description)"])
            if first {
                bus.publish(PortcullisEvent(EventCatalogue.notificationDeliveryFailed, fields: ["contact": name, "event": message.event.kind.name,
                                                                                             "reason": error.description]))
            }
        }
    }
}
