import AdminAPI
import ArgumentParser
import Events
import Foundation
import Notifications

struct NotificationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notification", abstract: "Who is told of which events, and the event catalogue.",
                                                    subcommands: [Contact.self, Event.self, Interval.self])

    struct Contact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Notification contacts: an email address, a webhook, a syslog server or a call to an extension.",
                                                        subcommands: [Add.self, List.self, Remove.self, Test.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a contact with the levels (default alert) or events it receives.")
            @OptionGroup var data: DataDirectoryOptions
            @Argument(help: "A name for the contact.") var name: String
            @Option(help: "An email address (sent through the mail server of `portcullis smtp`).") var email: String?
            @Option(help: "An https:// address that receives a signed JSON POST (Slack and Teams incoming webhooks accept it).") var webhook: String?
            @Option(help: "The webhook's signing secret (16-256 characters).") var secret: String?
            @Option(help: "A file holding the webhook's signing secret (kept out of the shell history).") var secretFile: String?
            @Option(help: "udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT (RFC 5424).") var syslog: String?
            @Option(name: .customLong("extension"), help: "An extension the PBX calls to read the event out.") var number: String?
            @Option(help: "A number outside (a mobile) the PBX calls through the outbound routes.") var mobile: String?
            @Option(name: .customLong("as"), help: "With --mobile: the extension whose outbound permissions the call uses (default: routes open to every extension).") var caller: String?
            @Option(help: "Calls per message when nobody answers (1-10, default 3).") var attempts: Int?
            @Option(help: "Seconds a call rings (5-120, default 30).") var ringSeconds: Int?
            @Option(help: "Seconds between unanswered calls (5-3600, default 10).") var retryAfter: Int?
            @Option(help: "information, warning or alert; repeatable.") var level: [EventKind.Level] = []
            @Option(help: "An event name it receives whatever its level; repeatable.") var event: [String] = []

            func run() async throws {
                guard secret == nil || secretFile == nil else { throw ValidationError("give --secret or --secret-file, not both") }
                var contact = NotificationContact()
                contact.name = name
                contact.email = email
                contact.webhook = webhook
                contact.secret = try secret ?? SecretFile.read(secretFile, option: "--secret-file")
                contact.syslog = syslog
                contact.extension = number
                contact.mobile = mobile
                contact.caller = caller
                if let attempts { contact.attempts = attempts }
                if let ringSeconds { contact.ringSeconds = ringSeconds }
                if let retryAfter { contact.retryAfter = retryAfter }
                if !level.isEmpty || !event.isEmpty { contact.levels = level }
                contact.events = event
                _ = try await withClient(data) { try await $0.send(Endpoints.addNotificationContact, body: contact) }
                print("contact \(name) added")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the contacts and how their deliveries went.")

            @OptionGroup var data: DataDirectoryOptions
            @OptionGroup var output: OutputOptions

            func run() async throws {
                let view = try await withClient(data) { try await $0.send(Endpoints.notifications) }
                if output.json { return try Output.json(view) }
                Output.table(["NAME", "CHANNEL", "RECEIVES", "DELIVERIES"], view.contacts.map { shown in
                    let contact = shown.contact
                    let channel = contact.channel.map { "\($0)" + (shown.secretSet ? " (signed)" : "") } ?? "?"
                    let receives = (contact.levels.map(\.rawValue) + contact.events).joined(separator: ", ")
                    let status = shown.status.map { status in
                        "\(status.delivered) sent, \(status.failed) failed, \(status.dropped) dropped"
                            + (status.failing ? "; failing: \(status.lastError ?? "")" : "")
                    } ?? "server not running"
                    return [contact.name, channel, receives, status]
                })
                print("one message per contact and event per \(view.interval) s; more are counted into the next")
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a contact.")
            @OptionGroup var data: DataDirectoryOptions
            @Argument var name: String

            func run() async throws {
                _ = try await withClient(data) { try await $0.send(Endpoints.removeNotificationContact, ["name": name]) }
                print("contact \(name) removed")
            }
        }

        struct Test: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Send a test message to a contact and report the outcome.")
            @OptionGroup var data: DataDirectoryOptions
            @Argument var name: String

            func run() async throws {
                _ = try await withClient(data) { try await $0.send(Endpoints.testNotificationContact, ["name": name]) }
                print("test message sent to \(name)")
            }
        }
    }

    struct Event: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The event catalogue: each event's type, level and notification switch.",
                                                        subcommands: [List.self, Set.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List every event Portcullis raises.")
            @OptionGroup var data: DataDirectoryOptions
            @OptionGroup var output: OutputOptions
            @Option(help: "operations, telephony, system or security.") var type: EventKind.EventType?

            func run() async throws {
                let entries = try await withClient(data) { try await $0.send(Endpoints.eventCatalogue) }.items.filter { type == nil || $0.type == type }
                if output.json { return try Output.json(entries) }
                Output.table(["EVENT", "TYPE", "LEVEL", "NOTIFY", "TEMPLATE"], entries.map { entry in
                    [entry.name, entry.type.rawValue, entry.level.rawValue + (entry.level == entry.defaultLevel ? "" : " (default \(entry.defaultLevel.rawValue))"),
                     (entry.notify ? "on" : "off") + (entry.notify == entry.defaultNotify ? "" : " (changed)"), entry.template == nil ? "standard" : "own"]
                })
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Change one event's level, notification switch or mail template.")
            @OptionGroup var data: DataDirectoryOptions
            @Argument(help: "The event's name, e.g. \"Extension Registration Failed\".") var name: String
            @Option(help: "information, warning or alert.") var level: EventKind.Level?
            @Option(help: "on or off: whether contacts are told.") var notify: Switch?
            @Option(help: "A file holding the mail template (mustache over the event's fields; an empty file: the standard one).") var templateFile: String?
            @Flag(help: "Back to the catalogue's defaults first.") var reset = false

            enum Switch: String, ExpressibleByArgument { case on, off }

            func run() async throws {
                var change = EventChange()
                change.level = level
                change.notify = notify.map { $0 == .on }
                change.template = try SecretFile.read(templateFile, option: "--template-file")
                change.reset = reset
                let entry = try await withClient(data) { try await $0.send(Endpoints.changeEvent, ["name": name], body: change) }
                print("\(entry.name): \(entry.level.rawValue), notify \(entry.notify ? "on" : "off"), \(entry.template == nil ? "standard" : "own") template")
            }
        }
    }

    struct Interval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show or set how often one contact hears of one kind of event (seconds).")
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "10-3600; left out: show it.") var seconds: Int?

        func run() async throws {
            let view = try await withClient(data) { client in
                guard let seconds else { return try await client.send(Endpoints.notifications) }
                var options = NotificationOptions()
                options.interval = seconds
                return try await client.send(Endpoints.updateNotificationOptions, body: options)
            }
            print("one message per contact and event per \(view.interval) s")
        }
    }
}

extension EventKind.Level: ExpressibleByArgument {}
extension EventKind.EventType: ExpressibleByArgument {}
