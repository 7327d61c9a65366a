import Model

/// Body of `POST /api/v1/network/blocks` and the options of `portcullis block add`.
public struct ManualBlockRequest: StrictCodable {
    /// An address or CIDR range.
    public var source: String
    /// Seconds; omit for a permanent block.
    public var duration: Int?
    /// Omit to block every service.
    public var service: NetworkService?
    public var note: String?
    /// Block even when it would cut off the caller.
    public var force: Bool?

    public init(source: String, duration: Int? = nil, service: NetworkService? = nil, note: String? = nil, force: Bool? = nil) {
        self.source = source
        self.duration = duration
        self.service = service
        self.note = note
        self.force = force
    }

    public init() {
        self.init(source: "")
    }

    public static let fields: [StrictField<ManualBlockRequest>] = [
        .required("source", \.source), .init("duration", \.duration), .init("service", \.service), .init("note", \.note), .init("force", \.force),
    ]
}
