import Foundation
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL

/// Sends one message at a time over SMTP as `SMTPSettings` say: STARTTLS or implicit TLS (the server's certificate
/// checked against the system's or the configured CA), AUTH PLAIN or LOGIN, a timeout on the connection and on every
/// reply, and retries with backoff on transient failures. The dialogue itself is `SMTPConversation`.
public struct SMTPClient: Sendable {
    public let settings: SMTPSettings
    /// The password, opened from its sealed form by the caller.
    let password: String?
    let logger: Logger

    public init(settings: SMTPSettings, password: String?, logger: Logger = Logger(label: "portcullis.smtp")) {
        self.settings = settings
        self.password = password
        self.logger = logger
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Delivers `message`, retrying transient failures; throws the last failure.
    public func send(_ message: MailMessage) async throws(Failure) {
        var attempt = 0
        while true {
            do {
                try await attemptDelivery(message)
                return
            } catch {
                attempt += 1
                let reason = "\(error)"
                guard attempt <= settings.retries, SMTPConversation.isTransient(reason) else {
                    throw Failure(description: "cannot send mail through \(settings.host):\(settings.port): \(reason)")
                }
                logger.warning("mail delivery failed, retrying", metadata: ["attempt": "\(attempt)", "reason": "\(reason)"])
                try? await Task.sleep(for: .seconds(1 << (attempt - 1)))
            }
        }
    }

    private func attemptDelivery(_ message: MailMessage) async throws {
        let tls = try tlsContext()
        let serverHostname = settings.host.isIPAddressLiteral ? nil : settings.host
        let implicitTLS = settings.security == .tls
        let timeout = TimeAmount.seconds(Int64(settings.timeout))
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS { try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname)) }
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: timeout))
                    try channel.pipeline.syncOperations.addHandler(CloseOnIdle())
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: 65_536))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let credentials = settings.username.flatMap { user in password.map { (username: user, password: $0) } }
        var conversation = SMTPConversation(message: message, hostname: "portcullis", secured: implicitTLS,
                                            requireTLS: settings.security == .starttls, credentials: credentials)
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            var reply = SMTPConversation.Reply(code: 0, lines: [])
            while let line = try await lines.next() {
                let text = String(buffer: line).trimmingCharacters(in: .init(charactersIn: "\r"))
                guard text.count >= 3, let code = Int(text.prefix(3)), reply.lines.count < 100 else {
                    throw Failure(description: "the server sent something that is not an SMTP reply")
                }
                reply.code = code
                reply.lines.append(String(text.dropFirst(4)))
                if text.count > 3, text[text.index(text.startIndex, offsetBy: 3)] == "-" { continue }
                var action = conversation.received(reply)
                reply = SMTPConversation.Reply(code: 0, lines: [])
                if action == .startTLS {
                    let pipeline = channel.channel.pipeline
                    try await pipeline.eventLoop.submit {
                        try pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname), position: .first)
                    }.get()
                    action = conversation.tlsStarted()
                }
                switch action {
                case .send(let command): try await outbound.write(ByteBuffer(string: command + "\r\n"))
                case .sendData(let bytes): try await outbound.write(ByteBuffer(bytes: bytes))
                case .startTLS: break
                case .done: return
                case .fail(let reason): throw Failure(description: reason)
                }
            }
            throw Failure(description: "the connection closed or timed out mid-dialogue")
        }
    }

    private func tlsContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caFile = settings.caFile { configuration.trustRoots = .file(caFile) }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// Closes the connection when a read timeout fires, so a silent server ends the dialogue instead of holding it.
private final class CloseOnIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

extension String {
    /// An IPv4 or IPv6 address written out, not a name (TLS then checks no host name).
    public var isIPAddressLiteral: Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, self, &v4) == 1 || inet_pton(AF_INET6, self, &v6) == 1
    }
}
