import Hummingbird

/// The plain HTTP listener's only answer: a permanent redirect to the same path over HTTPS. The host is the one asked
/// for when it is one this server answers to (an address, `localhost`, the listen name), else the listen host, so the
/// redirect never points at another site.
enum HTTPSRedirect {
    static func router(to listen: APIListenAddress) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: SecurityHeadersMiddleware<BasicRequestContext>())
        let redirect: @Sendable (Request, BasicRequestContext) -> Response = { request, _ in
            Response(status: .movedPermanently, headers: [.location: location(authority: request.head.authority, path: request.uri.path,
                                                                              query: request.uri.query, listen)])
        }
        router.on("**", method: .get, use: redirect)
        router.on("**", method: .head, use: redirect)
        router.on("/", method: .get, use: redirect)
        return router
    }

    static func location(authority: String?, path: String, query: String?, _ listen: APIListenAddress) -> String {
        var host = listen.host.contains(":") ? "[\(listen.host)]" : listen.host
        if let authority, HTTPHygieneMiddleware.accepts(authority: authority, hosts: [listen.host.lowercased()]) {
            if authority.hasPrefix("[") {
                host = String(authority.prefix { $0 != "]" }) + "]"
            } else {
                host = String(authority.prefix { $0 != ":" })
            }
        }
        let safe = path.hasPrefix("/") && !path.hasPrefix("//") && path.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F } ? path : "/"
        let extra = query.flatMap { $0.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F } ? "?" + $0 : nil } ?? ""
        return "https://\(host):\(listen.port)\(safe)\(extra)"
    }
}
