/// A setting that takes one of a few names (`block`, `drop`, `off`): a name it does not know is refused with the
/// names it does, in the words a person can act on.
public protocol StrictChoice: RawRepresentable<String>, CaseIterable, Codable, Sendable {}

extension StrictChoice {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Self(rawValue: name) else {
            let names = Self.allCases.map(\.rawValue)
            let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "must be \(list), got '\(name.prefix(20))'"))
        }
        self = value
    }
}
