import Foundation
import HTTPTypes
import Hummingbird

/// What every request to the admin API's TCP listener must look like, and what every response carries:
/// - the Host names an address literal or `localhost` (or a name in `hosts`): a page on another site that rebinds its
///   own name to this address (DNS rebinding) sends its own name and is refused (421);
/// - a body is JSON (YAML where the route takes a configuration file): anything else is 415, so a cross-site form
///   post (text/plain) never reaches an operation; the portal's pages (outside `/api/`) take HTML forms, which carry
///   the session's CSRF token;
/// - responses are `Cache-Control: no-store` (tokens and configuration must not land in a cache) unless the route
///   chose otherwise (the portal's stylesheet and script).
struct HTTPHygieneMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext

    /// Host names accepted besides address literals and `localhost`.
    let hosts: Set<String>

    /// Routes whose body is a YAML configuration file.
    static let yamlPaths: Set<String> = ["/api/v1/config"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authority = request.head.authority, HTTPHygieneMiddleware.accepts(authority: authority, hosts: hosts) else {
            throw AdminError(.misdirected, "this server does not answer to the Host given; use its address or localhost")
        }
        let hasBody = request.headers[.contentLength].flatMap { Int($0) }.map { $0 > 0 } ?? (request.headers[.transferEncoding] != nil)
        if hasBody {
            let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            let yaml = HTTPHygieneMiddleware.yamlPaths.contains(request.uri.path)
            let accepted = yaml ? ["application/yaml", "application/x-yaml", "text/yaml", "application/json"]
                : request.uri.path.hasPrefix("/api/") ? ["application/json"] : ["application/x-www-form-urlencoded"]
            guard accepted.contains(type) else {
                throw AdminError(.unsupportedMediaType, "send the body as \(accepted[0]) (Content-Type), not '\(type.prefix(40))'")
            }
        }
        var response = try await next(request, context)
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    /// `HOST[:PORT]` names an IPv4 or bracketed IPv6 literal, `localhost`, or one of `hosts`.
    static func accepts(authority: String, hosts: Set<String>) -> Bool {
        var host = Substring(authority.lowercased())
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            return host[host.index(after: host.startIndex)..<close].allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        let isIPv4 = host.split(separator: ".", omittingEmptySubsequences: false).count == 4
            && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
        return isIPv4 || host == "localhost" || hosts.contains(String(host))
    }
}
