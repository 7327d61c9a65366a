import Dialplan
import Foundation
import Model

/// The outbound call rules besides the routes themselves, stored as one setting and replaced whole: emergency
/// numbers, extension groups, time conditions and holidays, allowed countries, blocked and allowed numbers, call
/// frequency rules and the wrong-PIN lockout. Every field has a default, so a document names only what it changes.
public struct OutboundPolicySettings: StoredSettings {
    public static let storeKey = "outbound.policy"

    /// Named sets of extensions that routes may permit as a whole.
    public struct ExtensionGroup: StrictCodable {
        public var name: String
        public var extensions: [String]

        public init() {
            self.init(name: "", extensions: [])
        }

        public init(name: String, extensions: [String]) {
            self.name = name
            self.extensions = extensions
        }

        public static let fields: [StrictField<ExtensionGroup>] = [.required("name", \.name), .init("extensions", \.extensions)]
    }

    /// International calls only to the allowed countries (by ISO code). On by default with none allowed: national
    /// calls go out, international ones wait until the countries the business calls are listed.
    public struct Countries: StrictCodable {
        public var enabled = true
        /// `00`, `011` or `+`; numbers starting with `+` are always international.
        public var internationalPrefix = "00"
        public var allowed: [String] = []

        public init() {}

        public static let fields: [StrictField<Countries>] = [
            .init("enabled", \.enabled), .init("internationalPrefix", \.internationalPrefix), .init("allowed", \.allowed),
        ]
    }

    /// `failures` wrong PINs from one extension within `minutes` lock its outbound calls until an administrator
    /// unlocks them.
    public struct PINLockout: StrictCodable {
        public var failures = 10
        public var minutes = 60

        public init() {}

        public static let fields: [StrictField<PINLockout>] = [.init("failures", \.failures), .init("minutes", \.minutes)]
    }

    public var emergencyNumbers = ["112", "911", "999"]
    public var groups: [ExtensionGroup] = []
    public var timeConditions = [TimeCondition.defaultBusinessHours]
    public var holidays: [Holiday] = []
    public var countries = Countries()
    public var numbers: [NumberListEntry] = []
    public var frequencyRules = [FrequencyRule.standard]
    public var pinLockout = PINLockout()

    public init() {}

    public static let fields: [StrictField<OutboundPolicySettings>] = [
        .init("emergencyNumbers", \.emergencyNumbers),
        .init("groups", \.groups),
        .init("timeConditions", \.timeConditions),
        .init("holidays", \.holidays),
        .init("countries", \.countries),
        .init("numbers", \.numbers),
        .init("frequencyRules", \.frequencyRules),
        .init("pinLockout", \.pinLockout),
    ]

    /// Every problem, each naming what it is about; empty when valid. `extensions` are the existing numbers.
    public func problems(extensions: Set<String>, codes: CallingCodes = .bundled) -> [String] {
        var problems: [String] = []
        func named(_ kind: String, _ names: [String]) {
            for name in names where !OutboundPolicySettings.validName(name) {
                problems.append("\(kind) '\(name.prefix(40))': names are 1-40 letters, digits, '.', '_' or '-'")
            }
            for name in Set(names) where names.filter({ $0 == name }).count > 1 { problems.append("\(kind) '\(name)' is defined twice") }
        }
        named("group", groups.map(\.name))
        named("time condition", timeConditions.map(\.name))
        named("frequency rule", frequencyRules.map(\.name))
        for number in emergencyNumbers where !(1...15).contains(number.count) || !number.allSatisfy({ $0.isASCII && ($0.isNumber || "*#+".contains($0)) }) {
            problems.append("emergency number '\(number.prefix(20))': 1-15 digits, * # or +")
        }
        if emergencyNumbers.count > 50 { problems.append("at most 50 emergency numbers") }
        for group in groups {
            for number in group.extensions where !extensions.contains(number) { problems.append("group '\(group.name)': no extension \(number.prefix(20))") }
        }
        let rules = holidays.map { ($0, $0.rule()) }
        for (_, rule) in rules { if case .failure(let error) = rule { problems.append(error.description) } }
        let compiled = rules.compactMap { holiday, rule in (try? rule.get()).map { (holiday.name, $0) } }
        for (index, (name, rule)) in compiled.enumerated() {
            for (other, otherRule) in compiled[(index + 1)...] where rule.overlaps(otherRule) {
                problems.append("holidays '\(name)' and '\(other)' overlap: they can fall on the same day")
            }
        }
        for condition in timeConditions { if case .failure(let error) = condition.compiled(holidays: []) { problems.append(error.description) } }
        if !timeConditions.contains(where: { $0.name == TimeCondition.businessHours }) {
            problems.append("time condition '\(TimeCondition.businessHours)' is needed: the extension flag 'outside business hours' uses it")
        }
        if !["00", "011", "+"].contains(countries.internationalPrefix) {
            problems.append("countries: internationalPrefix must be 00, 011 or +, got '\(countries.internationalPrefix.prefix(8))'")
        }
        for region in countries.allowed where codes.codeByRegion[region.uppercased()] == nil {
            problems.append("countries: '\(region.prefix(8))' is not a known ISO country code")
        }
        for entry in numbers {
            do throws(DialPatternError) {
                _ = try DialPattern(parsing: entry.pattern)
            } catch {
                problems.append("numbers: \(error)")
            }
        }
        problems += frequencyRules.flatMap(\.problems)
        if !frequencyRules.contains(where: { $0.name == FrequencyRule.defaultName }) {
            problems.append("frequency rule '\(FrequencyRule.defaultName)' is needed: extensions without a rule use it")
        }
        if !(1...1_000).contains(pinLockout.failures) || !(1...10_080).contains(pinLockout.minutes) {
            problems.append("pinLockout: failures 1-1000 within 1-10080 minutes")
        }
        if groups.count > 1_000 || timeConditions.count > 100 || holidays.count > 1_000 || numbers.count > 100_000 || frequencyRules.count > 100 {
            problems.append("at most 1000 groups, 100 time conditions, 1000 holidays, 100000 numbers and 100 frequency rules")
        }
        return problems
    }

    /// The problem with an extension's rules against this policy: the frequency rule it names does not exist.
    public func missingRule(_ rules: ExtensionCallRules) -> String? {
        guard let rule = rules.frequencyRule, !frequencyRules.contains(where: { $0.name == rule }) else { return nil }
        return "no frequency rule named '\(rule.prefix(40))'"
    }

    public static func validName(_ name: String) -> Bool {
        (1...40).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}

/// Why an outbound policy setting was refused.
public struct OutboundPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
