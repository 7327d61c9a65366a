import Defense
import DefenseRuntime
import Events
import Foundation
import Logging
import Model
import NIOCore
import ServiceLifecycle
import SIPStack
import Storage

/// Binds the SIP listeners and runs the housekeeping beside them: expiry sweeps and the write-behind of the
/// location service. On shutdown it closes the sockets first, then writes what is still queued.
public struct SIPService: Service {
    private let runtime: PBXRuntime
    private let transport: SIPTransportServer
    private let addresses: [SIPListenAddress]
    private let onBound: @Sendable (String) -> Void

    /// `onBound` gets the bound listeners as text (`udp:127.0.0.1:5060, tcp:...`) once they accept traffic.
    /// `networkGuard` false leaves the SIP listeners unguarded (measurement and troubleshooting only).
    public init(runtime: PBXRuntime, group: any EventLoopGroup, addresses: [SIPListenAddress], tls: SIPTLSConfiguration?,
                networkGuard: Bool = true, onBound: @escaping @Sendable (String) -> Void = { _ in }) {
        self.runtime = runtime
        transport = SIPTransportServer(group: group, limits: runtime.configuration.sip.limits, handler: runtime.dispatcher,
                                       admission: networkGuard ? runtime.network.shards.map(SIPNetworkAdmission.init) : nil,
                                       tls: tls, connections: runtime.configuration.sip.connections, flows: runtime.flows,
                                       listeners: runtime.listeners, logger: runtime.logger,
                                       onConnectionRefused: { [refusals = ConnectionRefusals(service: "sip", bus: runtime.bus)] peer, refusal in
                                           refusals.report(ip: peer.ip, transport: peer.transport.rawValue.lowercased(), refusal: refusal)
                                       })
        self.addresses = addresses
        self.onBound = onBound
    }

    /// Throws when a listener closed and could not be reopened: the process must stop, not serve half-deaf.
    public func run() async throws {
        try await transport.bind(addresses)
        let runtime = runtime
        let bound = runtime.listeners.statuses.map { "\($0.transport):\($0.address)" }.joined(separator: ", ")
        runtime.bus.publish(PortcullisEvent(EventCatalogue.serverStarted, fields: ["sip": bound]))
        onBound(bound)
        runtime.startTrunks()
        do {
            try await serve(transport)
        } catch {
            // What is still queued is written even when a lost listener stops the server.
            await flush()
            throw error
        }
        await flush()
    }

    /// At shutdown, once: what cannot be written now is logged as lost (the store was unreachable to the end).
    private func flush() async {
        for writer in runtime.writeBehind { await writer.flush() }
    }

    /// The housekeeping beside the listeners, and their supervision, until shutdown or a listener is lost.
    private func serve(_ transport: SIPTransportServer) async throws {
        let runtime = runtime
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await transport.supervise { listener, reopened in
                        runtime.bus.publish(PortcullisEvent(EventCatalogue.listenerClosed, fields: [
                            "transport": listener.transport, "address": listener.address,
                            "action": reopened ? "reopened" : "stopping the server",
                        ]))
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        runtime.dispatcher.sweep()
                    }
                }
                group.addTask {
                    await runtime.network.run()
                }
                for writer in runtime.writeBehind {
                    group.addTask { await writer.run() }
                }
                // The first to end (a listener lost) ends them all.
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }
}
