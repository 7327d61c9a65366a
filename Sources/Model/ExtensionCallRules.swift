/// An extension's own outbound restrictions, checked by the outbound call policy before any route rule.
public struct ExtensionCallRules: Sendable, Equatable, Codable {
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

    public init(disableOutbound: Bool = false, disableOutsideBusinessHours: Bool = false, disallowInternational: Bool = false,
                maxCallDuration: Int? = nil, frequencyRule: String? = nil) {
        self.disableOutbound = disableOutbound
        self.disableOutsideBusinessHours = disableOutsideBusinessHours
        self.disallowInternational = disallowInternational
        self.maxCallDuration = maxCallDuration
        self.frequencyRule = frequencyRule
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case disableOutbound, disableOutsideBusinessHours, disallowInternational, maxCallDuration, frequencyRule
    }

    /// Every field may be left out (its default); unknown fields are refused so a misspelt restriction is an error.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        disableOutbound = try container.decodeIfPresent(Bool.self, forKey: .disableOutbound) ?? false
        disableOutsideBusinessHours = try container.decodeIfPresent(Bool.self, forKey: .disableOutsideBusinessHours) ?? false
        disallowInternational = try container.decodeIfPresent(Bool.self, forKey: .disallowInternational) ?? false
        maxCallDuration = try container.decodeIfPresent(Int.self, forKey: .maxCallDuration)
        frequencyRule = try container.decodeIfPresent(String.self, forKey: .frequencyRule)
    }

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
