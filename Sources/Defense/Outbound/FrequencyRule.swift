import Model

/// How many outbound calls an extension may start: every row is a limit (`calls` within `seconds` or `minutes`)
/// and the first row exceeded refuses the call. With `lock`, exceeding it also locks the extension's outbound
/// calls until an administrator unlocks it. The rule named `default` applies to extensions that name none.
public struct FrequencyRule: StrictCodable {
    public static let defaultName = "default"

    public struct Limit: StrictCodable {
        public var calls: Int
        public var seconds: Int?
        public var minutes: Int?

        /// A placeholder for decoding: the fields every value must name are read over it.
        public init() {
            self.init(calls: 0)
        }

        public init(calls: Int, seconds: Int? = nil, minutes: Int? = nil) {
            self.calls = calls
            self.seconds = seconds
            self.minutes = minutes
        }

        public static let fields: [StrictField<Limit>] = [
            .required("calls", \.calls),
            .init("seconds", \.seconds),
            .init("minutes", \.minutes),
        ]

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

    /// A placeholder for decoding: the fields every value must name are read over it.
    public init() {
        self.init(name: "", limits: [])
    }

    public init(name: String, limits: [Limit], lock: Bool = false) {
        self.name = name
        self.limits = limits
        self.lock = lock
    }

    /// 5 calls per second per extension.
    public static let standard = FrequencyRule(name: defaultName, limits: [Limit(calls: 5, seconds: 1)])

    public static let fields: [StrictField<FrequencyRule>] = [
        .required("name", \.name),
        .required("limits", \.limits),
        .init("lock", \.lock),
    ]

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
