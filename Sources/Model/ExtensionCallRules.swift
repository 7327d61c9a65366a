/// An extension's own outbound restrictions, checked by the outbound call policy before any route rule.
public struct ExtensionCallRules: StrictCodable {
    /// "Disable outbound calls": nothing leaves through a trunk except emergency numbers.
    public var disableOutbound = false
    /// "Disable outbound calls outside business hours" (the `business-hours` time condition, holidays closed).
    public var disableOutsideBusinessHours = false
    /// "Disallow international calls": numbers starting with the international prefix or `+`.
    public var disallowInternational = false
    /// Seconds an outbound call may last; nil: the global `sip.calls.maxDuration`.
    public var maxCallDuration: Int?
    /// The call frequency rule applied; nil: the rule named `default`.
    public var frequencyRule: String?

    public init() {}

    public static let fields: [StrictField<ExtensionCallRules>] = [
        .init("disableOutbound", \.disableOutbound),
        .init("disableOutsideBusinessHours", \.disableOutsideBusinessHours),
        .init("disallowInternational", \.disallowInternational),
        .init("maxCallDuration", \.maxCallDuration),
        .init("frequencyRule", \.frequencyRule),
    ]

    /// Every problem, empty when valid.
    public var problems: [String] {
        var problems: [String] = []
        if let maxCallDuration, !(1...86_400).contains(maxCallDuration) {
            problems.append("maxCallDuration must be 1-86400 seconds, got \(maxCallDuration)")
        }
        if let frequencyRule, !(1...40).contains(frequencyRule.count) { problems.append("frequencyRule must name a rule (1-40 characters)") }
        return problems
    }
}
