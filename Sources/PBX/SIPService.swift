import Defense
import Events
import Foundation
import Logging
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
    private let tls: SIPTLSConfiguration?
    private let onBound: @Sendable (String) -> Void

    /// `onBound` gets the bound listeners as text (`udp:127.0.0.1:5060, tcp:...`) once they accept traffic.
    /// `networkGuard` false leaves the SIP listeners unguarded (measurement and troubleshooting only).
    public init(runtime: PBXRuntime, group: any EventLoopGroup, addresses: [SIPListenAddress], tls: SIPTLSConfiguration?,
                networkGuard: Bool = true, onBound: @escaping @Sendable (String) -> Void = { _ in }) {
        self.runtime = runtime
        transport = SIPTransportServer(group: group, limits: runtime.configuration.limits, handler: runtime.dispatcher,
                                       admission: networkGuard ? runtime.network.shards.map(SIPNetworkAdmission.init) : nil,
                                       flows: runtime.flows, logger: runtime.logger)
        self.addresses = addresses
        self.tls = tls
        self.onBound = onBound
    }

    public func run() async throws {
        let channels = try await transport.bind(addresses, tls: tls)
        let runtime = runtime
        let bound = zip(channels, addresses.flatMap { address in address.transports.map { (address, $0) } })
            .map { channel, bound in "\(bound.1.rawValue.lowercased()):\(channel.localAddress?.ipAddress ?? bound.0.host):\(channel.localAddress?.port ?? bound.0.port)" }
            .joined(separator: ", ")
        runtime.bus.publish(PortcullisEvent(EventCatalogue.serverStarted, fields: ["sip": bound]))
        onBound(bound)
        runtime.startTrunks()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        runtime.dispatcher.sweep()
                    }
                }
                group.addTask {
                    await runtime.network.run()
                }
                group.addTask {
                    await runtime.location.pendingWrites.run(every: .milliseconds(200)) { batch in
                        await runtime.writeBindings(batch)
                    }
                }
                group.addTask {
                    await runtime.callRecords.run(every: .milliseconds(500)) { batch in
                        await runtime.writeCallRecords(batch)
                    }
                }
            }
        }
        for channel in channels { try? await channel.close() }
        await runtime.writeBindings(runtime.location.pendingWrites.take())
        await runtime.writeCallRecords(runtime.callRecords.take())
    }
}
