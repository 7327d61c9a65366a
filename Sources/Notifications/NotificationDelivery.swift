import AsyncHTTPClient
import Foundation
import Mail
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS

/// Sends one message over a contact's channel and waits for the outcome, retries included. Every wait is bounded
/// (connect, each reply, the whole attempt), so a dead contact holds only its own queue.
public struct NotificationDelivery: Sendable {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The mail client as the `smtp:` section says at the time of sending (nil: no mail server configured).
    let mailer: @Sendable () async -> SMTPClient?
    /// Rings an extension or a mobile (`.call`, `.mobile`) and reads the message out: nil when answered, else why not
    /// (no device, refused by the outbound policy or the far end, no answer).
    public typealias PlaceCall = @Sendable (_ channel: NotificationContact.Channel, _ message: NotificationMessage, _ ringSeconds: Int) async -> String?
    let placeCall: PlaceCall?
    let http: HTTPClient
    let hostname: String
    /// Attempts of a webhook after the first, 1 s, 2 s, 4 s... apart.
    let webhookRetries: Int
    let timeout: TimeAmount

    public init(mailer: @escaping @Sendable () async -> SMTPClient?, placeCall: PlaceCall?, http: HTTPClient = .shared, hostname: String,
                webhookRetries: Int = 3, timeout: TimeAmount = .seconds(10)) {
        self.mailer = mailer
        self.placeCall = placeCall
        self.http = http
        self.hostname = hostname
        self.webhookRetries = webhookRetries
        self.timeout = timeout
    }

    public func deliver(_ message: NotificationMessage, to contact: NotificationContact, channel: NotificationContact.Channel, secret: String?,
                        text: NotificationText) async throws(Failure) {
        switch channel {
        case .call(let number), .mobile(let number, _):
            guard let placeCall else { throw Failure(description: "calls are placed by the running server") }
            var reason = ""
            for attempt in 1...max(1, contact.attempts) {
                guard let failure = await placeCall(channel, message, contact.ringSeconds) else { return }
                reason = failure
                if attempt < contact.attempts { try? await Task.sleep(for: .seconds(contact.retryAfter)) }
            }
            throw Failure(description: "calling \(number): \(reason) (\(contact.attempts) attempt\(contact.attempts == 1 ? "" : "s"))")
        case .email(let address):
            guard let client = await mailer() else { throw Failure(description: "no mail server is configured (portcullis smtp set ...)") }
            guard let mail = MailMessage(from: client.settings.from, to: address, subject: text.subject(message), body: text.body(message)) else {
                throw Failure(description: "the address \(address) cannot be used")
            }
            do {
                try await client.send(mail)
            } catch {
                throw Failure(description: error.description)
            }
        case .webhook(let url):
            try await post(WebhookPayload(message, text: text).body(), to: url, secret: secret)
        case .syslog(let target):
            let line = SyslogLine.format(message, text: text.line(message), hostname: hostname, processID: getpid())
            do {
                try await send(line, to: target)
            } catch {
                throw Failure(description: "cannot send to syslog \(target.transport.rawValue)://\(target.host):\(target.port): \(error)")
            }
        }
    }

    private func post(_ body: Data, to url: URL, secret: String?) async throws(Failure) {
        var attempt = 0
        while true {
            let timestamp = Int(Date().timeIntervalSince1970)
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Portcullis")
            request.headers.add(name: WebhookPayload.timestampHeader, value: String(timestamp))
            if let secret { request.headers.add(name: WebhookPayload.signatureHeader, value: WebhookPayload.signature(body: body, timestamp: timestamp, secret: secret)) }
            request.body = .bytes(ByteBuffer(data: body))
            let reason: String
            var retryable = true
            do {
                let response = try await http.execute(request, timeout: timeout)
                _ = try? await response.body.collect(upTo: 65_536)
                if (200..<300).contains(response.status.code) { return }
                reason = "the webhook answered \(response.status.code) \(response.status.reasonPhrase)"
                retryable = response.status.code >= 500 || response.status.code == 429 || response.status.code == 408
            } catch {
                reason = "cannot reach the webhook \(url.host ?? ""): \(error)"
            }
            attempt += 1
            guard retryable, attempt <= webhookRetries else { throw Failure(description: reason) }
            try? await Task.sleep(for: .seconds(1 << (attempt - 1)))
        }
    }

    /// UDP: one datagram. TCP and TLS: one connection per message, octet-counted framing (RFC 6587, RFC 5425), the
    /// server's certificate checked against the system's trust store.
    private func send(_ line: String, to target: SyslogTarget) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        if target.transport == .udp {
            let address = try SocketAddress.makeAddressResolvingHost(target.host, port: target.port)
            let channel = try await DatagramBootstrap(group: group).bind(host: address.protocol == .inet6 ? "::" : "0.0.0.0", port: 0).get()
            defer { channel.close(promise: nil) }
            let bytes = ByteBuffer(string: String(line.utf8.prefix(2_048)) ?? line)
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: bytes)).get()
            return
        }
        var tls: NIOSSLContext?
        if target.transport == .tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            tls = try NIOSSLContext(configuration: configuration)
        }
        let context = tls
        let serverHostname = target.host.isIPAddressLiteral ? nil : target.host
        // The promise lives outside the pipeline: a refused certificate closes the channel, and its handlers with it,
        // possibly before this task could look a handler up.
        let loop = group.next()
        let handshake = tls.map { _ in loop.makePromise(of: Void.self) }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop).connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let context, let handshake {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverHostname))
                            try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(handshake))
                        }
                    }
                }
                .connect(host: target.host, port: target.port).get()
        } catch {
            handshake?.fail(error)
            throw error
        }
        defer { channel.close(promise: nil) }
        // Over TLS nothing is written before the server's certificate checked out; the handshake's own error is the answer.
        try await handshake?.futureResult.get()
        try await channel.writeAndFlush(ByteBuffer(string: "\(line.utf8.count) \(line)")).get()
    }
}

/// Completes when the TLS handshake has, and fails with the handshake's error (an untrusted certificate...).
private final class HandshakeWaiter: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    let done: EventLoopPromise<Void>

    init(_ done: EventLoopPromise<Void>) { self.done = done }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { done.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
}
