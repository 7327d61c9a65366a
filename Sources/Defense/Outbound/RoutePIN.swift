import SIPAuth
import Storage

/// A route's password: off, one PIN for everyone, or a list of PINs (each with an optional label, such as its
/// holder). The caller keys it after a prompt; with `record`, the CDR keeps which list entry was used (its label,
/// or the PIN itself when it has none).
public struct RoutePIN: Sendable, Equatable, Codable {
    public enum Mode: String, Sendable, Codable { case off, single, list }

    public struct Entry: Sendable, Equatable, Codable {
        public var pin: String
        public var label: String?

        public init(pin: String, label: String? = nil) {
            self.pin = pin
            self.label = label
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case pin, label }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
            pin = try container.decode(String.self, forKey: .pin)
            label = try container.decodeIfPresent(String.self, forKey: .label)
        }
    }

    public var mode: Mode
    /// The PIN of `single`.
    public var pin: String?
    /// The PINs of `list`.
    public var pins: [Entry]
    public var record: Bool

    public init(mode: Mode = .off, pin: String? = nil, pins: [Entry] = [], record: Bool = false) {
        self.mode = mode
        self.pin = pin
        self.pins = pins
        self.record = record
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case mode, pin, pins, record }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        mode = try container.decodeIfPresent(Mode.self, forKey: .mode) ?? .off
        pin = try container.decodeIfPresent(String.self, forKey: .pin)
        pins = try container.decodeIfPresent([Entry].self, forKey: .pins) ?? []
        record = try container.decodeIfPresent(Bool.self, forKey: .record) ?? false
    }

    /// Every problem, empty when valid: PINs are 3-15 digits, a list holds 1-10000 distinct ones.
    public var problems: [String] {
        func valid(_ pin: String) -> Bool { (3...15).contains(pin.count) && pin.allSatisfy { $0.isASCII && $0.isNumber } }
        switch mode {
        case .off: return []
        case .single:
            guard let pin else { return ["PIN mode single needs a pin"] }
            return valid(pin) ? [] : ["a PIN must be 3-15 digits (got \(pin.count) characters)"]
        case .list:
            var problems: [String] = []
            if !(1...10_000).contains(pins.count) { problems.append("PIN mode list needs 1-10000 pins") }
            if let bad = pins.first(where: { !valid($0.pin) }) { problems.append("a PIN must be 3-15 digits (got \(bad.pin.count) characters)") }
            if Set(pins.map(\.pin)).count != pins.count { problems.append("a PIN appears twice in the list") }
            if pins.contains(where: { ($0.label?.count ?? 0) > 64 }) { problems.append("a PIN label is at most 64 characters") }
            return problems
        }
    }

    /// The entry `digits` opens, compared in constant time against every PIN so timing tells nothing.
    public func entry(for digits: String) -> Entry? {
        let candidates: [Entry] = switch mode {
        case .off: []
        case .single: pin.map { [Entry(pin: $0)] } ?? []
        case .list: pins
        }
        var found: Entry?
        for candidate in candidates where ConstantTime.equals(candidate.pin.utf8, digits.utf8) && found == nil { found = candidate }
        return found
    }
}
