/// Admin failures with what the caller can do about them; the API renders them as problem+json
/// (RFC 9457) with a stable `type`, the CLI prints `detail` and exits non-zero.
public struct AdminError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case invalidInput = "invalid-input"
        case invalidConfiguration = "invalid-configuration"
        case notFound = "not-found"
        case conflict
        /// The change would cut off the caller; repeat with force.
        case wouldLockOut = "would-lock-out"
        case unauthorized
        /// The password was right; the login needs its second factor (`totp`, `email`) in the same request again.
        case secondFactorRequired = "second-factor-required"
        /// The caller's role does not allow the operation.
        case forbidden
        case tooLarge = "too-large"
        case unsupportedMediaType = "unsupported-media-type"
        /// The Host header names no address or name this server answers to (a DNS rebinding attempt, or a typo).
        case misdirected
        /// The source failed too often and is refused for a while.
        case tooManyRequests = "too-many-requests"
        case internalError = "internal-error"
        /// Something this server talks to (a mail server, a webhook, a syslog server) refused or did not answer.
        case upstreamFailed = "upstream-failed"

        public var status: Int {
            switch self {
            case .invalidInput: 400
            case .invalidConfiguration: 422
            case .notFound: 404
            case .conflict, .wouldLockOut: 409
            case .unauthorized, .secondFactorRequired: 401
            case .forbidden: 403
            case .tooLarge: 413
            case .unsupportedMediaType: 415
            case .misdirected: 421
            case .tooManyRequests: 429
            case .internalError: 500
            case .upstreamFailed: 502
            }
        }

        public var title: String {
            switch self {
            case .invalidInput: "Invalid input"
            case .invalidConfiguration: "Invalid configuration"
            case .notFound: "Not found"
            case .conflict: "Conflict"
            case .wouldLockOut: "Would lock you out"
            case .unauthorized: "Unauthorized"
            case .secondFactorRequired: "Second factor required"
            case .forbidden: "Forbidden"
            case .tooLarge: "Too large"
            case .unsupportedMediaType: "Unsupported media type"
            case .misdirected: "Misdirected request"
            case .tooManyRequests: "Too many requests"
            case .internalError: "Internal error"
            case .upstreamFailed: "Upstream failed"
            }
        }
    }

    public let kind: Kind
    public let detail: String
    /// One entry per problem for validation failures (e.g. "config.yaml:12: extensions[3].password: ...").
    public let problems: [String]

    public init(_ kind: Kind, _ detail: String, problems: [String] = []) {
        self.kind = kind
        self.detail = detail
        self.problems = problems
    }

    public var description: String {
        problems.isEmpty ? detail : ([detail] + problems.map { "  " + $0 }).joined(separator: "\n")
    }
}

/// The problem+json body.
public struct ProblemDetails: Codable, Sendable, Equatable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var problems: [String]?

    public init(_ error: AdminError) {
        type = "https://portcullis.dev/problems/\(error.kind.rawValue)"
        title = error.kind.title
        status = error.kind.status
        detail = error.detail
        problems = error.problems.isEmpty ? nil : error.problems
    }

    public var error: AdminError {
        let kind = AdminError.Kind(rawValue: String(type.split(separator: "/").last ?? "")) ?? .internalError
        return AdminError(kind, detail, problems: problems ?? [])
    }
}
