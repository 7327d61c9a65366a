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
    /// The listeners bound, kept current by `supervise`.
    public let listeners: SIPListenerTable
    private let logger: Logger
    private let tls: SIPTLSConfiguration?
    private let connections: SIPConnectionLimits
    /// Open TCP/TLS connections against their caps.
    private let limiter: ConnectionLimiter
    private let onConnectionRefused: @Sendable (SIPPeer, ConnectionLimiter.Refusal) -> Void
    /// Kernel receive buffer per UDP socket, so bursts queue instead of being dropped.
    public static let receiveBufferBytes = 8 << 20
    /// Datagrams taken per `recvmmsg`, each in a slot of the largest message: under load a message costs a fraction of
    /// a receive syscall, at the price of one read buffer of eight largest messages per UDP socket (512 KiB by
    /// default), reused because no message outlives its read.
    static let datagramsPerRead = 8
    /// `recvmmsg` calls per read cycle before the loop turns to its other channels and tasks.
    static let readsPerCycle: UInt = 2

    /// `admission` sees every datagram, connection and stream message before it is parsed; `connections` bounds TCP
    /// and TLS, and `onConnectionRefused` hears of every connection refused by a cap.
    public init(group: any EventLoopGroup, limits: SIPLimits, handler: any SIPMessageHandler, admission: (any SIPAdmissionControl)? = nil,
                tls: SIPTLSConfiguration? = nil, connections: SIPConnectionLimits = SIPConnectionLimits(), flows: SIPFlowTable = SIPFlowTable(),
                listeners: SIPListenerTable = SIPListenerTable(), logger: Logger,
                onConnectionRefused: @escaping @Sendable (SIPPeer, ConnectionLimiter.Refusal) -> Void = { _, _ in }) {
        self.tls = tls
        self.connections = connections
        limiter = ConnectionLimiter(maxTotal: connections.maxConnections, maxPerSource: connections.maxPerSource)
        self.onConnectionRefused = onConnectionRefused
        self.listeners = listeners
        self.flows = flows
        self.group = group
        parser = SIPParser(limits: limits)
        self.handler = handler
        self.admission = admission
        self.logger = logger
    }

    /// Binds every address into `listeners`; fails (and closes what was bound) if any cannot be bound.
    public func bind(_ addresses: [SIPListenAddress]) async throws {
        var channels: [any Channel] = []
        do {
            for address in addresses {
                for transport in address.transports {
                    let channel = try await bind(address, transport: transport, tls: tls)
                    channels.append(channel)
                    listeners.add(address, transport: transport, channel: channel)
                    logger.info("SIP listening", metadata: ["address": "\(address.host):\(address.port)", "transport": "\(transport.rawValue)"])
                }
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
    }

    /// A socket closed this often within `reopenWindow` is not reopened again: something keeps closing it.
    public static let maxReopens = 5
    public static let reopenWindow: Duration = .seconds(60)

    /// Keeps every listener open until the task is cancelled (then closes them): a socket that closes while the server
    /// runs (NIO closes one on an unexpected error) is bound again at once and `onClosed` hears of it with
    /// `reopened` true. When it cannot be bound, or closed `maxReopens` times within `reopenWindow`, `onClosed`
    /// hears of it with false and this throws, so that the process stops loudly and its supervisor restarts it.
    public func supervise(onClosed: @escaping @Sendable (SIPListenerStatus, _ reopened: Bool) -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in listeners.statuses.indices {
                group.addTask { try await self.supervise(index, onClosed: onClosed) }
            }
            try await group.waitForAll()
        }
    }

    private func supervise(_ index: Int, onClosed: @Sendable (SIPListenerStatus, Bool) -> Void) async throws {
        var closes: [ContinuousClock.Instant] = []
        while true {
            let entry = listeners.entry(index)
            let channel = entry.channel
            await withTaskCancellationHandler {
                try? await channel.closeFuture.get()
            } onCancel: {
                channel.close(promise: nil)
            }
            if Task.isCancelled { return }
            let now = ContinuousClock.now
            closes = closes.filter { now - $0 < SIPTransportServer.reopenWindow } + [now]
            logger.critical("SIP listener closed unexpectedly", metadata: ["listener": "\(entry.status.transport):\(entry.status.address)"])
            do {
                guard closes.count <= SIPTransportServer.maxReopens else { throw SIPTransportError.listenerLost(entry.status.address) }
                listeners.reopened(index, channel: try await bind(entry.address, transport: entry.transport, tls: tls))
                onClosed(listeners.entry(index).status, true)
            } catch {
                listeners.closed(index)
                onClosed(listeners.entry(index).status, false)
                throw SIPTransportError.listenerLost("\(entry.status.transport):\(entry.status.address)")
            }
        }
    }

    private func bind(_ address: SIPListenAddress, transport: SIPTransportKind, tls: SIPTLSConfiguration?) async throws -> any Channel {
        let parser = parser
        let handler = handler
        let admission = admission
        let flows = flows
        let limiter = limiter
        let connections = connections
        let onConnectionRefused = onConnectionRefused
        switch transport {
        case .udp:
            let channel = try await DatagramBootstrap(group: group)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(SIPTransportServer.receiveBufferBytes))
                .channelOption(.recvAllocator,
                               value: FixedSizeRecvByteBufferAllocator(capacity: Self.datagramsPerRead * (parser.limits.maxMessageSize + 1)))
                .channelOption(.datagramVectorReadMessageCount, value: Self.datagramsPerRead)
                .channelOption(.maxMessagesPerRead, value: Self.readsPerCycle)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(SIPDatagramWriteGuard(),
                                                                        SIPDatagramHandler(parser: parser, handler: handler, admission: admission))
                    }
                }
                .bind(host: address.host, port: address.port).get()
            flows.add(datagram: channel)
            channel.closeFuture.whenComplete { _ in flows.remove(datagram: channel) }
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
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(SIPConnectionGuard(admission: admission, limiter: limiter, transport: transport,
                                                                   onRefused: onConnectionRefused))
                        try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(connections.idleTimeout))))
                        if let context {
                            try pipeline.addHandler(NIOSSLServerHandler(context: context))
                        }
                        try pipeline.addHandler(
                            ByteToMessageHandler(SIPFrameDecoder(framer: SIPStreamFramer(limits: parser.limits),
                                                                 messageTimeout: .seconds(Int64(connections.messageTimeout))),
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
    case unsendableDestination(String)
    case listenerLost(String)

    public var description: String {
        switch self {
        case .tlsWithoutCertificate(let address): "TLS listener \(address) needs a certificate and key (--tls-certificate, --tls-key)"
        case .unsendableDestination(let address): "no datagram can be sent to \(address)"
        case .listenerLost(let listener): "SIP listener \(listener) closed and could not be kept open"
        }
    }
}
