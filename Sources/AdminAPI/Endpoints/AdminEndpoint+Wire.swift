import Foundation

/// How a request to an endpoint and its answer travel as bytes, for every client of the API: the CLI over the
/// socket, in-process calls of the CLI and the portal.
extension AdminEndpoint {
    /// The path with its parameters filled in, and the query.
    public func requestURI(_ parameters: [String: String] = [:], query: [(String, String)] = []) -> String {
        var components = URLComponents()
        components.percentEncodedPath = uri(parameters)
        components.queryItems = query.isEmpty ? nil : query.map { URLQueryItem(name: $0.0, value: $0.1) }
        return components.string ?? uri(parameters)
    }

    public func requestBytes(_ body: Body) throws -> [UInt8]? {
        switch bodyFormat {
        case .none: nil
        case .text: Array((body as? String ?? "").utf8)
        case .json: Array(try AdminWire.encoder.encode(body))
        }
    }

    /// The answer of a success, or the server's `AdminError` for anything else.
    public func answer(status: Int, bytes: [UInt8]) throws -> Answer {
        guard (200..<300).contains(status) else {
            if let problem = try? JSONDecoder().decode(ProblemDetails.self, from: Data(bytes)) { throw problem.error }
            throw AdminError(.internalError, "server answered \(status)")
        }
        let value: Any = switch answerFormat {
        case .none: NoBody()
        case .text: String(decoding: bytes, as: UTF8.self)
        case .json: try AdminWire.decoder.decode(Answer.self, from: Data(bytes))
        }
        guard let answer = value as? Answer else { throw AdminError(.internalError, "unexpected answer type") }
        return answer
    }
}

/// The API's JSON coding of dates (ISO 8601), on the client side.
enum AdminWire {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
