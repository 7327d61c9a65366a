/// The value of From, To, Contact, Route and similar headers: `"Display" <uri>;params` or `uri;params`
/// (RFC 3261 section 20.10: without angle brackets, parameters belong to the header, not the URI).
public struct NameAddress: Sendable, Hashable, CustomStringConvertible {
    public var displayName: String?
    public var uri: URI
    public var parameters: GenericParameters

    public init(displayName: String? = nil, uri: URI, parameters: GenericParameters = GenericParameters()) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    public var tag: String? { parameters["tag"] ?? nil }

    /// The `expires` parameter of a Contact, by the same delta-seconds rule as the Expires header; nil when absent.
    public func expires() throws(SIPParseError) -> UInt32? {
        guard let parameter = parameters["expires"] else { return nil }
        return try SIPMessageValidator.deltaSeconds(parameter ?? "", header: "Contact expires")
    }

    public var description: String {
        var text = ""
        if let displayName {
            let plainWords = displayName.split(separator: " ", omittingEmptySubsequences: false).allSatisfy { SIPCharacterClass.isToken($0) }
            text += plainWords ? displayName : HeaderValueScanner.quoted(displayName)
            text += " "
        }
        return text + "<" + uri.description + ">" + parameters.serialized
    }

    public init(parsing value: some StringProtocol, header: String = "address") throws(SIPParseError) {
        self = try HeaderValueScanner.scan(value, header: header) { scanner throws(SIPParseError) in
            try NameAddress(scanning: &scanner, value: value)
        }
    }

    private init(scanning scanner: inout HeaderValueScanner, value: some StringProtocol) throws(SIPParseError) {
        scanner.skipWhitespace()
        let bracketed: Bool
        if scanner.peek == UInt8(ascii: "\"") {
            displayName = try scanner.readQuotedString()
            scanner.skipWhitespace()
            guard scanner.peek == UInt8(ascii: "<") else { throw scanner.error("expected '<' after display name") }
            bracketed = true
        } else if scanner.peek == UInt8(ascii: "<") {
            displayName = nil
            bracketed = true
        } else if value.containsByte(UInt8(ascii: "<")) {
            let words = scanner.read(until: [UInt8(ascii: "<")])
            let tokens = words.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
            guard tokens.allSatisfy({ SIPCharacterClass.isToken($0) }) else {
                throw scanner.error("display name '\(words.prefix(32))' must be quoted")
            }
            displayName = tokens.isEmpty ? nil : tokens.joined(separator: " ")
            bracketed = true
        } else {
            displayName = nil
            bracketed = false
        }
        if bracketed {
            _ = scanner.consume(UInt8(ascii: "<"), spaced: false)
            let uriText = Self.slice(value, scanner.skip(until: [UInt8(ascii: ">")]))
            guard scanner.consume(UInt8(ascii: ">"), spaced: false) else { throw scanner.error("missing '>'") }
            do {
                uri = try URI(parsing: uriText)
            } catch {
                throw scanner.error(error.detail)
            }
        } else {
            let uriText = Self.slice(value, scanner.skip(until: [UInt8(ascii: ";"), 0x20, 0x09, 0x0D, 0x0A]))
            guard !uriText.utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: ",") }) else {
                throw scanner.error("a URI with '?' or ',' must be enclosed in <>")
            }
            do {
                uri = try URI(parsing: uriText)
            } catch {
                throw scanner.error(error.detail)
            }
        }
        parameters = try scanner.readParameters()
    }

    /// The URI's text as a substring of the value: a URI longer than 15 bytes made into a string of its own would
    /// cost an allocation for each From, To and Contact received.
    private static func slice(_ value: some StringProtocol, _ offsets: Range<Int>) -> Substring {
        let utf8 = value.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: offsets.lowerBound)
        return Substring(value[start..<utf8.index(start, offsetBy: offsets.count)])
    }
}
