import Foundation
import HTTPTypes
import Model

/// The OpenAPI 3.1 description of the admin API, built from the endpoints as they are registered (served at
/// `/api/v1/openapi.json`); a test holds it equal to the router's routes. Bodies read through a field list
/// (`StrictCodable`) show their fields, which are the only ones accepted.
public struct OpenAPIDocument: Codable, Sendable {
    public struct Info: Codable, Sendable {
        public var title: String
        public var version: String
        public var description: String
    }

    public struct Operation: Codable, Sendable {
        public var summary: String
        public var operationId: String
        /// What the caller needs (`Security: manage`, `signed in`, `Super Administrator`); absent: anyone.
        public var permission: String?
        public var parameters: [Parameter]?
        public var requestBody: Body?
        public var responses: [String: Answer]

        enum CodingKeys: String, CodingKey {
            case summary, operationId, permission = "x-permission", parameters, requestBody, responses
        }
    }

    public struct Parameter: Codable, Sendable {
        public var name: String
        /// `path` or `query`.
        public var `in`: String
        public var required: Bool
        public var description: String?
        public var schema: Schema
    }

    public struct Body: Codable, Sendable {
        public var required: Bool
        public var content: [String: Content]
    }

    public struct Answer: Codable, Sendable {
        public var description: String
        public var content: [String: Content]?
    }

    public struct Content: Codable, Sendable {
        public var schema: Schema
    }

    public struct Schema: Codable, Sendable {
        public var ref: String?
        public var type: String?
        public var properties: [String: Schema]?
        public var required: [String]?
        public var additionalProperties: Bool?

        enum CodingKeys: String, CodingKey {
            case ref = "$ref", type, properties, required, additionalProperties
        }

        static let string = Schema(type: "string")
        static func reference(_ name: String) -> Schema { Schema(ref: "#/components/schemas/\(name)") }
    }

    public struct Components: Codable, Sendable {
        public var schemas: [String: Schema]
        public var securitySchemes: [String: SecurityScheme]
    }

    public struct SecurityScheme: Codable, Sendable {
        public var type: String
        public var scheme: String
    }

    public var openapi = "3.1.0"
    public var info: Info
    /// Path, then method (lower case).
    public var paths: [String: [String: Operation]]
    public var components: Components
    public var security: [[String: [String]]]

    public init(_ endpoints: [EndpointDescription]) {
        info = Info(title: "Portcullis admin API", version: "1",
                    description: "Every answer other than a success is application/problem+json: kind, detail, problems.")
        var paths: [String: [String: Operation]] = [:]
        var schemas: [String: Schema] = ["Problem": Schema(type: "object", properties: [
            "kind": .string, "detail": .string, "problems": Schema(type: "array"),
        ], required: ["kind", "detail"])]
        for endpoint in endpoints {
            let path = OpenAPIDocument.path(endpoint.path)
            var parameters = endpoint.path.split(separator: "/").filter { $0.hasPrefix(":") }.map {
                Parameter(name: String($0.dropFirst()), in: "path", required: true, description: nil, schema: .string)
            }
            parameters += endpoint.query.map { Parameter(name: $0.name, in: "query", required: false, description: $0.summary, schema: .string) }
            let body = endpoint.body.map { payload in
                Body(required: true, content: [payload.format.mediaType ?? "": Content(schema: OpenAPIDocument.schema(payload, into: &schemas))])
            }
            var success = Answer(description: endpoint.summary, content: nil)
            if let answer = endpoint.answer {
                success.content = [answer.format.mediaType ?? "": Content(schema: OpenAPIDocument.schema(answer, into: &schemas))]
            }
            let problem = Answer(description: "The reason, as a problem (403 when the caller's role does not allow it)",
                                 content: ["application/problem+json": Content(schema: .reference("Problem"))])
            let method = endpoint.method.rawValue.lowercased()
            paths[path, default: [:]][method] = Operation(
                summary: endpoint.summary, operationId: method + path.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.capitalized }.joined(),
                permission: endpoint.permission == .anyone ? nil : endpoint.permission.description,
                parameters: parameters.isEmpty ? nil : parameters, requestBody: body,
                responses: [String(endpoint.status.code): success, "default": problem])
        }
        self.paths = paths
        components = Components(schemas: schemas, securitySchemes: ["token": SecurityScheme(type: "http", scheme: "bearer")])
        security = [["token": []]]
    }

    /// `/api/v1/extensions/{number}` for `extensions/:number`.
    static func path(_ endpointPath: String) -> String {
        let full = endpointPath.hasPrefix("/") ? endpointPath : "/api/v1/" + endpointPath
        return full.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    private static func schema(_ payload: PayloadDescription, into schemas: inout [String: Schema]) -> Schema {
        guard payload.format == .json else { return .string }
        let name = payload.name.replacingOccurrences(of: "<", with: "Of").filter { $0.isLetter || $0.isNumber }
        if schemas[name] == nil {
            schemas[name] = payload.fields.map { fields in
                Schema(type: "object", properties: Dictionary(uniqueKeysWithValues: fields.map { ($0.name, Schema()) }),
                       required: fields.filter(\.required).map(\.name), additionalProperties: false)
            } ?? Schema(type: "object")
        }
        return .reference(name)
    }
}
