/// A tel: URI (RFC 3966): a global (+) or local number with parameters.
public struct TelURI: Sendable, Hashable, CustomStringConvertible {
    /// The number as written, visual separators included.
    public var number: String
    public var parameters: GenericParameters

    public init(number: String, parameters: GenericParameters = GenericParameters()) {
        self.number = number
        self.parameters = parameters
    }

    /// Digits only (and a leading + for global numbers), separators removed.
    public var digits: String {
        String(number.filter { $0.isNumber || $0 == "+" || $0 == "*" || $0 == "#" })
    }

    public var description: String { "tel:" + number + parameters.serialized }

    public init(parsing text: String) throws(SIPParseError) {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false)
        let allowed = Set("0123456789+-.()*#ABCDEFabcdef".utf8)
        guard let first = parts.first, !first.isEmpty, first.utf8.allSatisfy({ allowed.contains($0) }) else {
            throw SIPParseError(.malformedRequestURI, "bad tel number '\(text.prefix(32))'")
        }
        number = String(first)
        parameters = GenericParameters()
        for item in parts.dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = pair.first, SIPCharacterClass.isToken(name) else {
                throw SIPParseError(.malformedRequestURI, "bad tel parameter '\(item.prefix(32))'")
            }
            parameters.append(String(name), value: pair.count == 2 ? String(pair[1]) : nil)
        }
    }
}
