import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SIPCore

/// Binds the SIP listeners (UDP, TCP, TLS on IPv4 and IPv6) and hands every message to one `SIPMessageHandler`.
public final class SIPTransportServer: Sendable {
    private let group: any EventLoopGroup
    private let parser: SIPParser
    private let handler: any SIPMessageHandler
    private let admission: (any SIPAdmissionControl)?
    /// Every bound UDP socket and open connection, for requests the PBX starts.
    public let flows: SIPFlowTable
    private let logger: Logger
    /// Kernel receive buffer per UDP socket, so bursts queue instead of being dropped.
    public static let receiveBufferBytes = 8 << 20

    /// `admission` sees every datagram, connection and stream message before it is parsed.
    public init(group: any EventLoopGroup, limits: SIPLimits, handler: any SIPMessageHandler, admission: (any SIPAdmissionControl)? = nil,
                flows: SIPFlowTable = SIPFlowTable(), logger: Logger) {
        self.flows = flows
        self.group = group
        parser = SIPParser(limits: limits)
        self.handler = handler
        self.admission = admission
        self.logger = logger
    }

    /// Binds every address; fails (and closes what was bound) if any cannot be bound.
    public func bind(_ addresses: [SIPListenAddress], tls: SIPTLSConfiguration?) async throws -> [any Channel] {
        var channels: [any Channel] = []
        do {
            for address in addresses {
                for transport in address.transports {
                    channels.append(try await bind(address, transport: transport, tls: tls))
                    logger.info("SIP listening", metadata: ["address": "\(address.host):\(address.port)", "transport": "\(transport.rawValue)"])
                }
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        return channels
    }

    private func bind(_ address: SIPListenAddress, transport: SIPTransportKind, tls: SIPTLSConfiguration?) async throws -> any Channel {
        let parser = parser
        let handler = handler
        let admission = admission
        let flows = flows
        switch transport {
        case .udp:
            let channel = try await DatagramBootstrap(group: group)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(SIPTransportServer.receiveBufferBytes))
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: parser.limits.maxMessageSize + 1))
                .channelOption(.maxMessagesPerRead, value: 16)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(parser: parser, handler: handler, admission: admission))
                    }
                }
                .bind(host: address.host, port: address.port).get()
            flows.add(datagram: channel)
            return channel
        case .tcp, .tls:
            var sslContext: NIOSSLContext?
            if transport == .tls {
                guard let tls else { throw SIPTransportError.tlsWithoutCertificate(address.description) }
                let configuration = TLSConfiguration.makeServerConfiguration(
                    certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificatePath).map { .certificate($0) },
                    privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.privateKeyPath, format: .pem)))
                sslContext = try NIOSSLContext(configuration: configuration)
            }
            let context = sslContext
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let admission {
                            try channel.pipeline.syncOperations.addHandler(SIPConnectionGuard(admission: admission, transport: transport))
                        }
                        if let context {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                        }
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(SIPFrameDecoder(framer: SIPStreamFramer(limits: parser.limits)),
                                                 maximumBufferSize: parser.limits.maxMessageSize * 2))
                        try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(parser: parser, handler: handler, transport: transport, admission: admission,
                                                                                         flows: flows))
                    }
                }
                .bind(host: address.host, port: address.port).get()
        }
    }
}

public enum SIPTransportError: Error, CustomStringConvertible {
    case tlsWithoutCertificate(String)

    public var description: String {
        switch self {
        case .tlsWithoutCertificate(let address): "TLS listener \(address) needs a certificate and key (--tls-certificate, --tls-key)"
        }
    }
}
