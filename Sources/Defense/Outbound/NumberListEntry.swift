import Model

/// One line of the blocked or allowed numbers: a number or dial pattern, which list, and which calls it applies to
/// (outbound: what is dialed; inbound: the caller's number on calls from trunks). Allowed overrides blocked; calls
/// between extensions are never affected.
public struct NumberListEntry: StrictCodable {
    public enum List: String, StrictChoice { case blocked, allowed }

    public var pattern: String
    public var list: List
    public var direction: CallDirection

    /// A placeholder for decoding: the fields every value must name are read over it.
    public init() {
        self.init(pattern: "")
    }

    public init(pattern: String, list: List = .blocked, direction: CallDirection = .both) {
        self.pattern = pattern
        self.list = list
        self.direction = direction
    }

    public static let fields: [StrictField<NumberListEntry>] = [
        .required("pattern", \.pattern),
        .init("list", \.list),
        .init("direction", \.direction),
    ]
}
