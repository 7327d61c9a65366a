import DefenseRuntime
import Defense
import GeoIP
import Logging
import NIOCore
import NIOPosix
import NIOSSH
import SIPStack
import Synchronization

/// The SSH listener of the admin console: bound while SSH is enabled, closed (with every open connection) when it
/// is disabled. In front of the handshake, as on the other listeners: the network guard (service `ssh`, so the
/// auto-defense SSH rule counts each connection and blocks, allow list and static rules apply), then the connection
/// caps; a client has `loginGrace` to log in.
public final class SSHConsoleServer: Sendable {
    /// Set once by the composition root: the gate runs commands through operations that refer back to this server.
    private let gate = Mutex<(any ConsoleGate)?>(nil)
    private let shards: NetworkGuardShards?
    private let group: any EventLoopGroup
    private let logger: Logger
    /// This node's own address (`serve --ssh-listen`), used instead of the shared `ssh.listen`: nodes of a cluster
    /// on one machine cannot all bind the same one.
    private let listenOverride: SSHListenAddress?
    private let limiter = ConnectionLimiter(maxTotal: 64, maxPerSource: 8)
    private let state = Mutex(State())

    private struct State {
        var listener: (any Channel)?
        var bound: (address: SSHListenAddress, fingerprint: String)?
        var connections: [ObjectIdentifier: (channel: any Channel, connection: SSHConnection)] = [:]
    }

    /// How long a connection may take to log in (OpenSSH's LoginGraceTime is 120 s; a person with a key needs less).
    public static let loginGrace = TimeAmount.seconds(30)

    public init(shards: NetworkGuardShards?, group: any EventLoopGroup, logger: Logger, listenOverride: SSHListenAddress? = nil) {
        self.shards = shards
        self.group = group
        self.logger = logger
        self.listenOverride = listenOverride
    }

    /// Who answers logins and runs commands; until it is set every connection is closed at accept.
    public func serve(through gate: any ConsoleGate) { self.gate.withLock { $0 = gate } }

    /// The address bound now; nil while SSH is off.
    public var listening: SSHListenAddress? { state.withLock { $0.bound?.address } }

    /// Logged-in connections open now.
    public var openConnections: Int { state.withLock { $0.connections.count } }

    /// Binds, rebinds or closes to match `settings` (on this node's own address if it has one); disabling also ends
    /// every open session.
    public func apply(_ settings: SSHSettings, hostKey: SSHHostKey?) async throws {
        guard settings.enabled, let hostKey else { return await close() }
        let address = try address(for: settings)
        if let bound = state.withLock({ $0.bound }), bound.address == address, bound.fingerprint == hostKey.fingerprint { return }
        await close()
        let channel = try await bootstrap(hostKey: hostKey).bind(host: address.host, port: address.port).get()
        state.withLock { state in
            state.listener = channel
            state.bound = (address, hostKey.fingerprint)
        }
        logger.notice("SSH console listening", metadata: ["address": "\(address)", "hostKey": "\(hostKey.fingerprint)"])
    }

    /// Where `settings` make this node listen.
    public func address(for settings: SSHSettings) throws(SSHConsoleError) -> SSHListenAddress {
        if let listenOverride { return listenOverride }
        return try SSHListenAddress(parsing: settings.listen)
    }

    /// Closes the listener and every connection.
    public func close() async {
        let (listener, connections) = state.withLock { state in
            defer {
                state.listener = nil
                state.bound = nil
                state.connections = [:]
            }
            return (state.listener, state.connections.values.map(\.channel))
        }
        try? await listener?.close().get()
        for connection in connections { try? await connection.close().get() }
        if listener != nil { logger.notice("SSH console closed", metadata: ["sessionsEnded": "\(connections.count)"]) }
    }

    /// Ends every logged-in connection whose user and key no longer open a session (`ConsoleGate.allows`): a key or a
    /// user removed ends the sessions it opened, not only the next login. Answers how many ended.
    @discardableResult
    public func endRevokedSessions() async -> Int {
        guard let gate = gate.withLock({ $0 }) else { return 0 }
        let open = state.withLock { state in
            state.connections.values.compactMap { entry in entry.connection.user.map { (entry.channel, $0) } }
        }
        var ended = 0
        for (channel, user) in open {
            guard await !gate.allows(user) else { continue }
            try? await channel.close().get()
            ended += 1
        }
        if ended > 0 { logger.notice("SSH sessions ended: their key or user was removed", metadata: ["sessionsEnded": "\(ended)"]) }
        return ended
    }

    private func bootstrap(hostKey: SSHHostKey) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.accept(channel, hostKey: hostKey) }
            }
    }

    /// Guard and caps first (refused: closed before a byte is read), then the SSH handler with this connection's
    /// authenticator and session channels.
    private func accept(_ channel: any Channel, hostKey: SSHHostKey) throws {
        let source = channel.remoteAddress.flatMap(IPAddress.init)
        let port = channel.localAddress?.port ?? 0
        guard let gate = gate.withLock({ $0 }) else { return channel.close(promise: nil) }
        if let shards, let source,
           shards.decide(source, endpoint: NetworkEndpoint(service: .ssh, transport: .tcp, port: port), on: channel.eventLoop) != .admit {
            channel.close(promise: nil)
            return
        }
        if limiter.admit(channel, from: channel.remoteAddress?.ipAddress ?? "unknown") != nil {
            channel.close(promise: nil)
            return
        }
        let connection = SSHConnection(source: source, port: port, gate: gate)
        var configuration = SSHServerConfiguration(hostKeys: [hostKey.privateKey], userAuthDelegate: SSHAuthenticator(connection: connection))
        configuration.maxAuthAttempts = 6
        let handler = NIOSSHHandler(role: .server(configuration), allocator: channel.allocator) { child, type in
            guard case .session = type, let user = connection.user, connection.openSession() else {
                return child.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
            }
            let gate = connection.gate
            return child.eventLoop.makeFutureWithTask { await gate.idleTimeout() }.flatMapThrowing { idleTimeout in
                try child.pipeline.syncOperations.addHandler(SSHSessionHandler(connection: connection, user: user, idleTimeout: idleTimeout))
            }
        }
        try channel.pipeline.syncOperations.addHandlers([handler, SSHConnectionWatch(connection: connection, grace: SSHConsoleServer.loginGrace)])
        let id = ObjectIdentifier(channel)
        state.withLock { $0.connections[id] = (channel, connection) }
        channel.closeFuture.whenComplete { [self] _ in
            state.withLock { _ = $0.connections.removeValue(forKey: id) }
            Task { await connection.ended() }
        }
    }
}

/// Ends a connection that has not logged in within the grace time, and any connection whose SSH stream fails.
private final class SSHConnectionWatch: ChannelInboundHandler {
    typealias InboundIn = Any

    private let connection: SSHConnection
    private let grace: TimeAmount
    private var timer: Scheduled<Void>?

    init(connection: SSHConnection, grace: TimeAmount) {
        self.connection = connection
        self.grace = grace
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        let connection = self.connection
        timer = context.eventLoop.scheduleTask(in: grace) {
            if connection.user == nil { channel.close(promise: nil) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { timer?.cancel() }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
