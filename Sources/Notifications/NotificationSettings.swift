import Model

/// The `notifications:` section: the contacts, and how often one contact hears of one kind of event.
public struct NotificationSettings: StoredSettings {
    public static let storeKey = "notifications.settings"
    public static let maxContacts = 50

    public var contacts: [NotificationContact] = []
    /// Seconds: the first event of a kind goes out at once; further ones in this interval go as one message with
    /// their count, so a flood is a handful of messages, not a full mailbox.
    public var interval = 60

    public init() {}

    public static let fields: [StrictField<NotificationSettings>] = [.init("contacts", \.contacts), .init("interval", \.interval)]

    public var problems: [String] {
        var problems: [String] = []
        problems.check(interval, 10...3_600, "notifications.interval", " seconds")
        if contacts.count > NotificationSettings.maxContacts { problems.append("notifications.contacts: at most \(NotificationSettings.maxContacts)") }
        var names = Set<String>()
        for contact in contacts {
            problems += contact.problems.map { "notifications.contacts[\(contact.name.prefix(64))].\($0)" }
            if !names.insert(contact.name).inserted { problems.append("notifications.contacts: '\(contact.name.prefix(64))' is listed twice") }
        }
        return problems
    }
}
