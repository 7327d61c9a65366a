import Model

/// Which events to mark read or unread: the ids listed (at most 10,000), or every event when `all` is true.
public struct EventMarking: StrictCodable {
    public var ids: [Int64] = []
    public var all = false

    public init() {}

    public init(ids: [Int64] = [], all: Bool = false) {
        self.ids = ids
        self.all = all
    }

    public static let fields: [StrictField<EventMarking>] = [.init("ids", \.ids), .init("all", \.all)]

    public static let maxIDs = 10_000
}

public struct EventMarkingResult: Codable, Sendable, Equatable {
    /// Events whose status changed.
    public var changed: Int
}
