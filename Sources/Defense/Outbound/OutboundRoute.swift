import Model

/// One dial pattern of an outbound route, with what to strip and prepend when it matches.
public struct RoutePattern: StrictCodable {
    public var pattern: String
    public var strip: Int
    public var prepend: String

    /// A placeholder for decoding: the fields every value must name are read over it.
    public init() {
        self.init(pattern: "")
    }

    public init(pattern: String, strip: Int = 0, prepend: String = "") {
        self.pattern = pattern
        self.strip = strip
        self.prepend = prepend
    }

    public static let fields: [StrictField<RoutePattern>] = [
        .required("pattern", \.pattern),
        .init("strip", \.strip),
        .init("prepend", \.prepend),
    ]
}

/// Calls matching one of the patterns leave through the first trunk that takes them, in order. Routes are tried
/// in list order (their priority): the first whose pattern matches, that permits the caller and is open now
/// decides (`CallPolicy.decide`); a caller not permitted on the first matching route falls through to the next.
public struct OutboundRoute: StrictCodable {
    public var name: String
    public var patterns: [RoutePattern]
    public var trunks: [String]
    /// Extensions and extension groups allowed to use the route; both empty allows every extension.
    public var extensions: [String]
    public var groups: [String]
    /// A time condition: the route is usable only while it is open.
    public var hours: String?
    public var pin: RoutePIN

    /// A placeholder for decoding: the fields every value must name are read over it.
    public init() {
        self.init(name: "", patterns: [], trunks: [])
    }

    public init(name: String, patterns: [RoutePattern], trunks: [String], extensions: [String] = [], groups: [String] = [],
                hours: String? = nil, pin: RoutePIN = RoutePIN()) {
        self.name = name
        self.patterns = patterns
        self.trunks = trunks
        self.extensions = extensions
        self.groups = groups
        self.hours = hours
        self.pin = pin
    }

    public static let fields: [StrictField<OutboundRoute>] = [
        .required("name", \.name),
        .required("patterns", \.patterns),
        .required("trunks", \.trunks),
        .init("extensions", \.extensions),
        .init("groups", \.groups),
        .init("hours", \.hours),
        .init("pin", \.pin),
    ]
}
