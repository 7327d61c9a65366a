import Foundation
import HTTPTypes
import Model

/// One operation of the admin API as every side sees it: the server registers its handler under it, the CLI sends
/// it, and the OpenAPI document describes it, so a path, a method or a body type is written once. `Body` is what a
/// request carries (`NoBody` for none), `Answer` what a success returns.
public struct AdminEndpoint<Body: Codable & Sendable, Answer: Codable & Sendable>: Sendable {
    public let method: HTTPRequest.Method
    /// Below `/api/v1` (or from the root when it starts with `/`), with `:name` for a path parameter.
    public let path: String
    public let summary: String
    /// What the caller must be or their role allow.
    public let permission: AccessRequirement
    public let query: [QueryParameterDescription]
    /// The status of a success.
    public let status: HTTPResponse.Status
    /// How the body and the answer travel: JSON, or the configuration's YAML as text.
    public let bodyFormat: PayloadFormat
    public let answerFormat: PayloadFormat

    public init(_ method: HTTPRequest.Method, _ path: String, _ summary: String, needs permission: AccessRequirement, query: [QueryParameterDescription] = [],
                status: HTTPResponse.Status = .ok, bodyFormat: PayloadFormat? = nil, answerFormat: PayloadFormat = .json) {
        self.method = method
        self.path = path
        self.summary = summary
        self.permission = permission
        self.query = query
        self.status = status
        self.bodyFormat = bodyFormat ?? (Body.self == NoBody.self ? .none : .json)
        self.answerFormat = Answer.self == NoBody.self ? .none : answerFormat
    }

    /// `path` with its parameters filled in and percent-encoded, under `/api/v1`.
    public func uri(_ parameters: [String: String] = [:]) -> String {
        let segments = path.split(separator: "/").map { segment in
            guard segment.hasPrefix(":") else { return String(segment) }
            let value = parameters[String(segment.dropFirst())] ?? ""
            return value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? value
        }
        return (path.hasPrefix("/") ? "/" : "/api/v1/") + segments.joined(separator: "/")
    }

    public var description: EndpointDescription {
        EndpointDescription(method: method, path: path, summary: summary, permission: permission, query: query, status: status,
                            body: bodyFormat == .none ? nil : PayloadDescription(Body.self, format: bodyFormat),
                            answer: answerFormat == .none ? nil : PayloadDescription(Answer.self, format: answerFormat))
    }
}

/// A request or answer without a body.
public struct NoBody: Codable, Sendable, Equatable {
    public init() {}
}

public enum PayloadFormat: Sendable, Equatable {
    case none
    case json
    /// Text of this media type (the `Body` or `Answer` is a `String`).
    case text(String)

    /// The configuration's YAML.
    public static let yaml = PayloadFormat.text("application/yaml")

    public var mediaType: String? {
        switch self {
        case .none: nil
        case .json: "application/json"
        case .text(let type): type
        }
    }
}

public struct QueryParameterDescription: Sendable {
    public let name: String
    public let summary: String

    public init(_ name: String, _ summary: String) {
        self.name = name
        self.summary = summary
    }
}

/// An endpoint without its types, as the OpenAPI document lists it.
public struct EndpointDescription: Sendable {
    public let method: HTTPRequest.Method
    public let path: String
    public let summary: String
    public let permission: AccessRequirement
    public let query: [QueryParameterDescription]
    public let status: HTTPResponse.Status
    public let body: PayloadDescription?
    public let answer: PayloadDescription?
}

/// A body or answer type as the OpenAPI document names it: strictly read types list their fields.
public struct PayloadDescription: Sendable {
    public let name: String
    public let format: PayloadFormat
    /// Field names and whether each is required; nil for types not read through a field list.
    public let fields: [(name: String, required: Bool)]?

    init<T>(_ type: T.Type, format: PayloadFormat) {
        name = String(describing: type)
        self.format = format
        fields = (type as? any StrictCodable.Type)?.fieldNames
    }
}
