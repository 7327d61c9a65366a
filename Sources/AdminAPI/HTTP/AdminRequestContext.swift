import Defense
import DefenseRuntime
import Foundation
import GeoIP
import Hummingbird
import Logging
import Model

/// Per-request state of the admin API: who is calling, once the authentication middleware has decided.
public struct AdminRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling; nil until authenticated (then only operations open to anyone are served).
    public var caller: AdminCaller?
    /// Why the credential presented did not make a caller (a session cookie without its CSRF token).
    public var refusal: AdminError?
    /// A valid session whose state-changing request carried no `X-CSRF-Token` header: a portal form, which carries
    /// the token in its body instead; the portal checks it against `csrfHash` before acting as `caller`.
    public var sessionCandidate: (caller: AdminCaller, csrfHash: String)?
    /// `HTTPS` or `HTTP`: how the request came in.
    public var scheme = "HTTP"
    /// The caller's IP address on the TCP listener (nil on the Unix socket): changes that would cut it off are refused.
    public let remoteAddress: IPAddress?
    public let localPort: Int
    /// On a delegated router: the caller the portal authenticated (nil: nobody).
    let delegatedCaller: AdminCaller?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress.flatMap(IPAddress.init)
        localPort = source.channel.localAddress?.port ?? 0
        delegatedCaller = nil
    }

    /// A request handed to the router in this process: by the CLI when no server runs on the data directory, or by
    /// the portal on behalf of the browser described by `delegation`.
    init(inProcess logger: Logger, delegation: AdminDelegation? = nil) {
        coreContext = .init(source: InProcessSource(logger: logger))
        remoteAddress = delegation?.address
        localPort = delegation?.port ?? 0
        delegatedCaller = delegation?.caller
        if let delegation { scheme = delegation.scheme }
    }

    public var requestDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public var maxUploadSize: Int { 1 << 20 }
}

private struct InProcessSource: RequestContextSource {
    let logger: Logger
}
