import Defense
import DefenseRuntime
import GeoIP
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import PBX
import SIPStack

/// The network guard in front of the admin API: asked at accept (before any HTTP byte is parsed) and for every
/// request, as service `https` on the HTTPS listener and `api` on the plain redirect one, so a connection and each
/// request count towards that scheme's rate rule (blocks cover both: `NetworkService.family`). Refused at
/// accept: the connection is closed; refused later: 403 for a reject, closed for a drop. At accept the connection
/// caps are asked too, after the guard.
final class HTTPNetworkGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let shards: NetworkGuardShards?
    private let service: NetworkService
    private let limiter: ConnectionLimiter
    private let refusals: ConnectionRefusals
    private var refusing = false
    private var connectionChecked = false

    init(shards: NetworkGuardShards?, service: NetworkService, limiter: ConnectionLimiter, refusals: ConnectionRefusals) {
        self.shards = shards
        self.service = service
        self.limiter = limiter
        self.refusals = refusals
    }

    private func verdict(_ context: ChannelHandlerContext) -> NetworkVerdict {
        guard let shards, let remote = context.channel.remoteAddress.flatMap(IPAddress.init) else { return .admit }
        let endpoint = NetworkEndpoint(service: service, transport: .tcp, port: context.channel.localAddress?.port ?? 0)
        return shards.decide(remote, endpoint: endpoint, on: context.eventLoop)
    }

    /// Hummingbird adds this handler to a child channel that is already active, so the accept check runs here;
    /// `channelActive` covers pipelines built before activation.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { checkConnection(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        checkConnection(context)
        if !refusing { context.fireChannelActive() }
    }

    private func checkConnection(_ context: ChannelHandlerContext) {
        guard !connectionChecked else { return }
        connectionChecked = true
        if verdict(context) != .admit {
            refusing = true
            context.close(promise: nil)
            return
        }
        let ip = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if let refusal = limiter.admit(context.channel, from: ip) {
            refusals.report(ip: ip, transport: "tcp", refusal: refusal)
            refusing = true
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refusing { return }
        guard case .head = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        switch verdict(context) {
        case .admit:
            context.fireChannelRead(data)
        case .drop:
            refusing = true
            context.close(promise: nil)
        case .reject:
            refusing = true
            var fields = HTTPFields()
            fields[.connection] = "close"
            fields[.contentLength] = "0"
            context.write(wrapOutboundOut(.head(HTTPResponse(status: .forbidden, headerFields: fields))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
