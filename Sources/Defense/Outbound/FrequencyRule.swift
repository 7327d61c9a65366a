import Model

/// How many outbound calls an extension may start: every row is a limit (`calls` within `seconds` or `minutes`)
/// and the first row exceeded refuses the call. With `lock`, exceeding it also locks the extension's outbound
/// calls until an administrator unlocks it. The rule named `default` applies to extensions that name none.
public struct FrequencyRule: Sendable, Equatable, Codable {
    public static let defaultName = "default"

    public struct Limit: Sendable, Equatable, Codable {
        public var calls: Int
        public var seconds: Int?
        public var minutes: Int?

        public init(calls: Int, seconds: Int? = nil, minutes: Int? = nil) {
            self.calls = calls
            self.seconds = seconds
            self.minutes = minutes
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case calls, seconds, minutes }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
            calls = try container.decode(Int.self, forKey: .calls)
            seconds = try container.decodeIfPresent(Int.self, forKey: .seconds)
            minutes = try container.decodeIfPresent(Int.self, forKey: .minutes)
        }

        /// The period in seconds, nil unless exactly one of `seconds` and `minutes` is given.
        public var period: Int? {
            switch (seconds, minutes) {
            case (let seconds?, nil): seconds
            case (nil, let minutes?): minutes * 60
            default: nil
            }
        }
    }

    public var name: String
    public var limits: [Limit]
    public var lock: Bool

    public init(name: String, limits: [Limit], lock: Bool = false) {
        self.name = name
        self.limits = limits
        self.lock = lock
    }

    /// 5 calls per second per extension.
    public static let standard = FrequencyRule(name: defaultName, limits: [Limit(calls: 5, seconds: 1)])

    enum CodingKeys: String, CodingKey, CaseIterable { case name, limits, lock }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        limits = try container.decode([Limit].self, forKey: .limits)
        lock = try container.decodeIfPresent(Bool.self, forKey: .lock) ?? false
    }

    var problems: [String] {
        var problems: [String] = []
        if limits.isEmpty || limits.count > 10 { problems.append("frequency rule '\(name)': 1-10 limits") }
        for limit in limits {
            if !(1...10_000).contains(limit.calls) { problems.append("frequency rule '\(name)': calls must be 1-10000, got \(limit.calls)") }
            if let period = limit.period {
                if !(1...86_400).contains(period) { problems.append("frequency rule '\(name)': the period must be 1 second to 1440 minutes") }
            } else {
                problems.append("frequency rule '\(name)': each limit needs exactly one of seconds or minutes")
            }
        }
        return problems
    }
}
