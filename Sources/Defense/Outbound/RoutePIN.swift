import Model

/// A route's password: off, one PIN for everyone, or a list of PINs (each with an optional label, such as its
/// holder). The caller keys it after a prompt; with `record`, the CDR keeps which list entry was used (its label, or
/// its place in the list), never the PIN. PINs are stored as fingerprints (`SecretBox.fingerprint`): only compared.
public struct RoutePIN: StrictCodable {
    public enum Mode: String, StrictChoice { case off, single, list }

    public struct Entry: StrictCodable {
        public var pin: String
        public var label: String?

        /// A placeholder for decoding: the fields every value must name are read over it.
        public init() {
            self.init(pin: "")
        }

        public init(pin: String, label: String? = nil) {
            self.pin = pin
            self.label = label
        }

        public static let fields: [StrictField<Entry>] = [.required("pin", \.pin), .init("label", \.label)]
    }

    public var mode: Mode
    /// The PIN of `single`.
    public var pin: String?
    /// The PINs of `list`.
    public var pins: [Entry]
    public var record: Bool

    /// Off: no PIN asked.
    public init() {
        self.init(mode: .off)
    }

    public init(mode: Mode, pin: String? = nil, pins: [Entry] = [], record: Bool = false) {
        self.mode = mode
        self.pin = pin
        self.pins = pins
        self.record = record
    }

    public static let fields: [StrictField<RoutePIN>] = [
        .init("mode", \.mode),
        .init("pin", \.pin),
        .init("pins", \.pins),
        .init("record", \.record),
    ]

    /// Every problem, empty when valid: PINs are 3-15 digits (or fingerprints of such), a list holds 1-10000 distinct ones.
    public var problems: [String] {
        func valid(_ pin: String) -> Bool {
            SecretFormat.isFingerprint(pin) || ((3...15).contains(pin.count) && pin.allSatisfy { $0.isASCII && $0.isNumber })
        }
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

    /// What the call record keeps of the entry `digits` opened (its label, its place in the list, or `PIN` for a
    /// single one), or nil when they open none. Compared in constant time against every entry, as `fingerprint` makes
    /// them (a PIN stored by an older version in clear is compared as it is).
    public func entry(for digits: String, fingerprint: (String) -> String) -> String? {
        let candidates: [Entry] = switch mode {
        case .off: []
        case .single: pin.map { [Entry(pin: $0)] } ?? []
        case .list: pins
        }
        let keyed = fingerprint(digits)
        var found: String?
        for (index, candidate) in candidates.enumerated() {
            let matches = ConstantTime.equals(candidate.pin.utf8, (SecretFormat.isFingerprint(candidate.pin) ? keyed : digits).utf8)
            if matches && found == nil { found = candidate.label ?? (mode == .single ? "PIN" : "entry \(index + 1)") }
        }
        return found
    }

    /// The same PINs as `fingerprint` makes them, for storing.
    public func fingerprinted(by fingerprint: (String) -> String) -> RoutePIN {
        var copy = self
        copy.pin = pin.map(fingerprint)
        copy.pins = pins.map { Entry(pin: fingerprint($0.pin), label: $0.label) }
        return copy
    }
}
