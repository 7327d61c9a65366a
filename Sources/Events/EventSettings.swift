import Model

/// The `events:` section: per-event changes to the catalogue's defaults, and how long the log keeps what.
public struct EventSettings: StoredSettings, Equatable {
    public static let storeKey = "events.settings"
    /// A template is a few lines of mail, not a document.
    public static let maxTemplateLength = 4_096

    /// One event's changes; what is left out keeps the catalogue's default.
    public struct Override: StrictCodable, Equatable {
        public var name = ""
        public var level: EventKind.Level?
        public var notify: Bool?
        /// The body of the mail sent for this event (mustache over the event's fields); nil: the standard one.
        public var template: String?

        public init() {}

        public static let fields: [StrictField<Override>] = [
            .required("name", \.name), .init("level", \.level), .init("notify", \.notify), .init("template", \.template),
        ]

        var isEmpty: Bool { level == nil && notify == nil && template == nil }
    }

    public var overrides: [Override] = []
    public var retention = EventRetention()

    public init() {}

    public static let fields: [StrictField<EventSettings>] = [.init("overrides", \.overrides), .init("retention", \.retention)]

    /// The catalogue entry as this installation has it: level and switch changed where an override says so.
    public func kind(_ kind: EventKind) -> EffectiveEvent {
        let override = overrides.first { $0.name == kind.name }
        var changed = kind
        if let level = override?.level { changed.level = level }
        return EffectiveEvent(kind: changed, notify: override?.notify ?? kind.notifies, template: override?.template)
    }

    /// Levels that differ from the catalogue's, by event name: what the bus applies as it publishes.
    public var levels: [String: EventKind.Level] {
        Dictionary(overrides.compactMap { override in override.level.map { (override.name, $0) } }, uniquingKeysWith: { _, last in last })
    }

    /// `override` merged into the list (an empty one removes the entry).
    public mutating func apply(_ override: Override) {
        overrides.removeAll { $0.name == override.name }
        if !override.isEmpty { overrides.append(override) }
        overrides.sort { $0.name < $1.name }
    }

    /// Every problem as `events.FIELD: message`. Template syntax is checked where templates are rendered.
    public var problems: [String] {
        var problems: [String] = []
        var seen = Set<String>()
        for override in overrides {
            if EventCatalogue.kind(named: override.name) == nil { problems.append("events.overrides: no event is named '\(override.name.prefix(64))'") }
            if !seen.insert(override.name).inserted { problems.append("events.overrides: '\(override.name.prefix(64))' is listed twice") }
            if let template = override.template, template.count > EventSettings.maxTemplateLength {
                problems.append("events.overrides.template: at most \(EventSettings.maxTemplateLength) characters")
            }
        }
        return problems + retention.problems
    }
}

/// A catalogue entry with this installation's changes applied.
public struct EffectiveEvent: Sendable, Equatable {
    public let kind: EventKind
    public let notify: Bool
    public let template: String?
}

extension EventKind.Level: StrictChoice {}
