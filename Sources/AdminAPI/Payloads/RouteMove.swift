import Model

/// Where an outbound route goes in the order: 0 is tried first.
public struct RouteMove: StrictCodable {
    public var position = 0

    public init() {}

    public init(position: Int) {
        self.position = position
    }

    public static let fields: [StrictField<RouteMove>] = [.required("position", \.position)]
}
