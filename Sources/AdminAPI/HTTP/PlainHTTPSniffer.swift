import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import HummingbirdTLS

/// The first bytes on the HTTPS port: a TLS handshake record (0x16) goes on to TLS untouched; anything else is taken
/// for plain HTTP (someone typed `http://`) and answered with a redirect to the same path over HTTPS, then closed.
/// The request head is read up to `maxHead` bytes and never reaches the router.
final class PlainHTTPSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let maxHead = 8_192
    static let tlsHandshake: UInt8 = 0x16

    let listen: APIListenAddress
    private var head: ByteBuffer?

    init(listen: APIListenAddress) {
        self.listen = listen
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if head == nil, bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) == PlainHTTPSniffer.tlsHandshake {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        head = head ?? context.channel.allocator.buffer(capacity: bytes.readableBytes)
        head!.writeBuffer(&bytes)
        let text = String(buffer: head!)
        guard text.contains("\r\n\r\n") || text.contains("\n\n") || head!.readableBytes >= PlainHTTPSniffer.maxHead else { return }
        let answer = PlainHTTPSniffer.redirect(forRequestHead: text, listen: listen)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: answer))).whenComplete { _ in channel.close(promise: nil) }
        head = nil
    }

    /// The whole plain-HTTP answer for a request head: 301 to the same path over HTTPS (`HTTPSRedirect.location`).
    static func redirect(forRequestHead text: String, listen: APIListenAddress) -> String {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let target = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let host = lines.dropFirst().first { $0.lowercased().hasPrefix("host:") }.map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) }
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        let location = HTTPSRedirect.location(authority: host, path: parts.first ?? "/", query: parts.count > 1 ? parts[1] : nil, listen)
        return "HTTP/1.1 301 Moved Permanently\r\nLocation: \(location)\r\nContent-Length: 0\r\nConnection: close\r\n"
            + "Strict-Transport-Security: max-age=31536000\r\n\r\n"
    }
}

/// A TLS child channel with the sniffer in front of its TLS handler.
struct PlainHTTPRedirectingChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let tls: TLSChannel<Base>
    let listen: APIListenAddress

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(PlainHTTPSniffer(listen: listen))
        }.flatMap {
            tls.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await tls.handle(value: value, logger: logger)
    }
}

extension ServerChildChannel {
    /// This channel behind TLS, with plain HTTP on the same port answered by a redirect.
    func behindTLS(_ configuration: TLSConfiguration, redirectingPlainHTTPTo listen: APIListenAddress) throws -> any ServerChildChannel {
        PlainHTTPRedirectingChannel(tls: try TLSChannel(self, tlsConfiguration: configuration), listen: listen)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS, where a plain HTTP request on the same port gets a redirect instead of a TLS error.
    static func https(_ configuration: HTTP1Channel.Configuration, tlsConfiguration: TLSConfiguration, listen: APIListenAddress) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            try HTTP1Channel(responder: responder, configuration: configuration).behindTLS(tlsConfiguration, redirectingPlainHTTPTo: listen)
        }
    }
}
