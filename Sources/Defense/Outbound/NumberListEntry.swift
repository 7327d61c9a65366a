import Model

/// One line of the blocked or allowed numbers: a number or dial pattern, which list, and which calls it applies to
/// (outbound: what is dialed; inbound: the caller's number on calls from trunks). Allowed overrides blocked; calls
/// between extensions are never affected.
public struct NumberListEntry: Sendable, Equatable, Codable {
    public enum List: String, Sendable, Codable { case blocked, allowed }

    public var pattern: String
    public var list: List
    public var direction: CallDirection

    public init(pattern: String, list: List = .blocked, direction: CallDirection = .both) {
        self.pattern = pattern
        self.list = list
        self.direction = direction
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case pattern, list, direction }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        pattern = try container.decode(String.self, forKey: .pattern)
        list = try container.decodeIfPresent(List.self, forKey: .list) ?? .blocked
        direction = try container.decodeIfPresent(CallDirection.self, forKey: .direction) ?? .both
    }
}
