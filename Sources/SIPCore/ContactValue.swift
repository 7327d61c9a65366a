/// One Contact header value: an address, or `*` (remove all bindings, RFC 3261 section 10.2.2).
public enum ContactValue: Sendable, Hashable, CustomStringConvertible {
    case wildcard
    case address(NameAddress)

    public init(parsing value: some StringProtocol) throws(SIPParseError) {
        if value.utf8.allSatisfy({ $0 == UInt8(ascii: "*") || SIPCharacterClass.isWhitespace($0) }) && value.containsByte(UInt8(ascii: "*")) {
            self = .wildcard
        } else {
            self = .address(try NameAddress(parsing: value, header: "Contact"))
        }
    }

    public var description: String {
        switch self {
        case .wildcard: "*"
        case .address(let address): address.description
        }
    }
}
