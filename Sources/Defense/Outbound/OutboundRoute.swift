import Model

/// One dial pattern of an outbound route, with what to strip and prepend when it matches.
public struct RoutePattern: Sendable, Equatable, Codable {
    public var pattern: String
    public var strip: Int
    public var prepend: String

    public init(pattern: String, strip: Int = 0, prepend: String = "") {
        self.pattern = pattern
        self.strip = strip
        self.prepend = prepend
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case pattern, strip, prepend }

    /// Strip and prepend may be left out (nothing changed); unknown fields are refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        pattern = try container.decode(String.self, forKey: .pattern)
        strip = try container.decodeIfPresent(Int.self, forKey: .strip) ?? 0
        prepend = try container.decodeIfPresent(String.self, forKey: .prepend) ?? ""
    }
}

/// Calls matching one of the patterns leave through the first trunk that takes them, in order. Routes are tried
/// in list order (their priority): the first whose pattern matches, that permits the caller and is open now
/// decides (`CallPolicy.decide`); a caller not permitted on the first matching route falls through to the next.
public struct OutboundRoute: Sendable, Equatable, Codable {
    public var name: String
    public var patterns: [RoutePattern]
    public var trunks: [String]
    /// Extensions and extension groups allowed to use the route; both empty allows every extension.
    public var extensions: [String]
    public var groups: [String]
    /// A time condition: the route is usable only while it is open.
    public var hours: String?
    public var pin: RoutePIN

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

    enum CodingKeys: String, CodingKey, CaseIterable { case name, patterns, trunks, extensions, groups, hours, pin }

    /// Permissions, hours and PIN may be left out (every extension, always, no PIN); unknown fields are refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        patterns = try container.decode([RoutePattern].self, forKey: .patterns)
        trunks = try container.decode([String].self, forKey: .trunks)
        extensions = try container.decodeIfPresent([String].self, forKey: .extensions) ?? []
        groups = try container.decodeIfPresent([String].self, forKey: .groups) ?? []
        hours = try container.decodeIfPresent(String.self, forKey: .hours)
        pin = try container.decodeIfPresent(RoutePIN.self, forKey: .pin) ?? RoutePIN()
    }
}
