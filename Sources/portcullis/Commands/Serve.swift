import AdminAPI
import ArgumentParser
import Backup
import Cluster
import Events
import Defense
import DefenseRuntime
import Foundation
import Logging
import Media
import Metrics
import Model
import Notifications
import NIOCore
import NIOPosix
import PBX
import Portal
import SIPAuth
import Prometheus
import ServiceLifecycle
import UnixSignals
import SIPStack
import SSHConsole
import Storage

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the PBX: SIP listeners, admin API and event log, until SIGINT or SIGTERM.")
    @OptionGroup var data: DataDirectoryOptions
    @Option(name: .customLong("sip-listen"), help: "[udp:|tcp:|tls:]HOST:PORT, repeatable (env PORTCULLIS_SIP_LISTEN, comma-separated). Default 0.0.0.0:5060 on UDP and TCP.")
    var sipListen: [String] = []
    @Option(name: .customLong("api-listen"), help: "HOST:PORT of the admin API (env PORTCULLIS_API_LISTEN). Default 127.0.0.1:8088.")
    var apiListen: String?
    @Option(name: .customLong("tls-certificate"), help: "PEM certificate chain for tls: listeners.") var tlsCertificate: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key for tls: listeners.") var tlsKey: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
    @Option(name: .customLong("node"), help: "This node's name in a cluster sharing a PostgreSQL --store (env PORTCULLIS_NODE; default: the host name).")
    var node: String?
    @Option(name: .customLong("cluster-listen"),
            help: "HOST:PORT (UDP) where the other nodes of a cluster send the calls they relay to this node's phones (env PORTCULLIS_CLUSTER_LISTEN). Default: the first SIP listener, which must then name an address.")
    var clusterListen: String?
    @Option(name: .customLong("ssh-listen"),
            help: "HOST:PORT where this node's SSH console listens while it is enabled, instead of the stored ssh.listen (env PORTCULLIS_SSH_LISTEN): nodes of a cluster on one machine each need their own.")
    var sshListen: String?
    @Flag(name: .customLong("no-network-guard"),
          help: "Leave the SIP listeners without the network guard (no allow/block list, country or rate rules): for measuring its cost or ruling it out, never for production.")
    var noNetworkGuard = false
    @Flag(name: .customLong("no-registration-guard"),
          help: "Leave REGISTER and INVITE without the failure lockout and scanner checks: for measuring their cost, never for production.")
    var noRegistrationGuard = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level '\(logLevel)'") }
        let sshAddress = try (sshListen ?? environment.nonEmpty("PORTCULLIS_SSH_LISTEN")).map { text in
            do throws(SSHConsoleError) { return try SSHListenAddress(parsing: text) } catch { throw ValidationError("--ssh-listen: \(error)") }
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "portcullis")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        try data.prepare()
        if let running = await AdminClient.running(socketPath: data.socketPath) {
            await running.shutdown()
            throw ValidationError("another Portcullis is already serving \(data.path) (its socket answers); stop it first")
        }
        let store = try await data.openStore()
        let secrets = try await AdminService.secrets(store)
        var sip = try await store.settings(SIPSettings.self)
        var api = try await store.settings(APISettings.self)
        if !sipListen.isEmpty {
            sip.listen = sipListen
        } else if let value = environment.nonEmpty("PORTCULLIS_SIP_LISTEN") {
            sip.listen = value.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        }
        if let apiListen = apiListen ?? environment.nonEmpty("PORTCULLIS_API_LISTEN") { api.listen = apiListen }
        if tlsCertificate != nil || tlsKey != nil {
            var files = sip.tls ?? TLSFiles()
            if let tlsCertificate { files.certificate = tlsCertificate }
            if let tlsKey { files.key = tlsKey }
            sip.tls = files
        }
        let problems = sip.problems + api.problems + [CallingCodes.bundledProblem, CommonPasswords.bundledProblem].compactMap { $0 }
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
        var addresses = try sip.listen.map { try SIPListenAddress(parsing: $0) }
        let apiAddress = try APIListenAddress(parsing: api.listen)
        let redirectAddress = try api.redirectListen.map { try APIListenAddress(parsing: $0) }
        let certificate: APICertificate
        if let files = api.tls, let certificatePath = files.certificate, let keyPath = files.key {
            certificate = try APICertificate(certificate: certificatePath, key: keyPath)
        } else {
            let identity = HostIdentity.names(listenHost: apiAddress.host)
            certificate = try APICertificate.selfSigned(in: data.path, names: identity.names, addresses: identity.addresses)
        }
        let budget = DescriptorLimit.connectionBudget(of: DescriptorLimit.raise())
        if sip.connections.maxConnections > budget {
            logger.notice("SIP connections capped by the open-file limit", metadata: [
                "configured": "\(sip.connections.maxConnections)", "cap": "\(budget)"])
            sip.connections.maxConnections = budget
            sip.connections.maxPerSource = min(sip.connections.maxPerSource, budget)
        }
        var nodeName: String?
        if store is any ClusterRegistry {
            let name = node ?? environment.nonEmpty("PORTCULLIS_NODE") ?? ProcessInfo.processInfo.hostName
            if let problem = ClusterNode.nameProblem(name) { throw ValidationError("--node \(name.prefix(40)): \(problem)") }
            nodeName = name
        } else if node != nil {
            throw ValidationError("--node: a cluster shares a PostgreSQL store (--store postgresql://...)")
        }
        let clusterListen = clusterListen ?? environment.nonEmpty("PORTCULLIS_CLUSTER_LISTEN")
        var relayAddress: SIPListenAddress?
        if nodeName != nil {
            relayAddress = try Self.relayAddress(clusterListen, listeners: addresses)
            // The first UDP socket is the one relayed calls leave from: the address the other nodes know this node by.
            if let relayAddress, let bound = addresses.firstIndex(where: { $0.host == relayAddress.host && $0.port == relayAddress.port }) {
                addresses.insert(addresses.remove(at: bound), at: 0)
            } else if let relayAddress {
                addresses.insert(relayAddress, at: 0)
            }
        } else if clusterListen != nil {
            throw ValidationError("--cluster-listen: a cluster shares a PostgreSQL store (--store postgresql://...)")
        }
        var configuration = PBXConfiguration()
        configuration.node = nodeName
        configuration.mediaHost = PBXConfiguration.mediaHost(for: addresses.map { ($0.host, ["0.0.0.0", "::"].contains($0.host)) })
        configuration.realm = secrets.realm
        configuration.sip = sip
        configuration.registrationGuard = !noRegistrationGuard
        if noRegistrationGuard { logger.warning("--no-registration-guard: failed registrations are not locked out, scanners not dropped") }
        let bus = EventBus()
        let eventLog = EventLogService(bus: bus, store: store, node: nodeName, logger: logger)
        let box = try SecretBox.load(orCreateAt: data.secretKeyPath)
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        let runtime = try await PBXRuntime(configuration: configuration, store: store, bus: bus, nonceKey: secrets.nonceKey, secrets: box,
                                         loops: loops, logger: logger)
        var priorities = await EventLoopPriority.raise(loops)
        if let media = runtime.media { priorities += await media.onEachThread { EventLoopPriority.raiseCurrentThread() } }
        switch priorities.first(where: { $0 != .raised }) {
        case nil: logger.info("event loops run ahead of background work", metadata: ["nice": "\(EventLoopPriority.niceness)"])
        case .refused(let reason):
            logger.notice("event loops keep the normal priority (raising it needs CAP_SYS_NICE)", metadata: ["reason": "\(reason)"])
        case .raised, .unsupported: break
        }
        let notifier = Notifier(bus: bus, store: store, secrets: box, placeCall: { channel, message, ringSeconds in
            let fields = message.event.fields
            let prompt = SpokenEvent.repeated(SpokenEvent.prompt(event: message.event.kind.name, source: fields["ip"] ?? fields["source"],
                                                                 account: fields["account"] ?? fields["username"] ?? fields["extension"]), times: 2)
            let caller = runtime.notificationCaller
            let outcome: NotificationCaller.Outcome = switch channel {
            case .call(let number): await caller.call(extension: number, prompt: prompt, ringTimeout: .seconds(Int64(ringSeconds)))
            case .mobile(let number, let extensionNumber):
                await caller.call(number: number, as: extensionNumber, prompt: prompt, ringTimeout: .seconds(Int64(ringSeconds)))
            default: .failed("not a call")
            }
            if case .failed(let reason) = outcome { return reason }
            return nil
        }, logger: logger)
        var service = AdminService(store: store, realm: secrets.realm, live: RunningPBX(runtime), secrets: box, setupTokenFile: data.setupTokenPath)
        service.listenAuthority = apiAddress.description
        service.notifier = notifier
        let sshConsole = SSHConsoleServer(shards: runtime.network.shards, group: MultiThreadedEventLoopGroup.singleton, logger: logger,
                                          listenOverride: sshAddress)
        service.sshConsole = sshConsole
        service.dataDirectory = data.path
        Backups(store: store, dataDirectory: data.path, directory: try await store.settings(BackupSettings.self).directory(in: data.path)).clearInterrupted()
        try await service.loadLoginDefense()
        let tls = sip.tls.flatMap { files in
            files.certificate.flatMap { certificate in files.key.map { SIPTLSConfiguration(certificatePath: certificate, privateKeyPath: $0) } }
        }
        if noNetworkGuard { logger.warning("--no-network-guard: SIP traffic is not checked by the network defense layer") }
        var membership: ClusterMembership?
        var clusterBus: ClusterBus?
        if let registry = store as? any ClusterRegistry, let name = nodeName {
            try await Self.checkSharedKey(box, in: store)
            membership = try await ClusterMembership.join(registry, name: name, address: relayAddress.map { "\($0)" } ?? "", load: {
                (runtime.location.count, runtime.router.count)
            }, observe: { await runtime.observe($0) }, logger: logger)
            service.nodeName = name
            let bus = ClusterBus(registry: registry, node: name, logger: logger)
            await runtime.network.replicate { added, removed in bus.send(.blocks(added: added, removed: removed)) }
            runtime.registrationGuard.replicate { result in bus.send(result) }
            service.logins.replicate { result in bus.send(result) }
            service.onSharedChange = { section in bus.send(.configurationChanged(section: section)) }
            runtime.location.announce { aor, present, added in
                bus.send(LocationChange(aor: aor, present: present, contacts: added.isEmpty ? nil : added))
            }
            runtime.announceLocks { bus.send(.configurationChanged(section: AdminService.outboundLocksSection)) }
            let shared = service
            bus.receive { message, sender in
                switch message {
                case .locations(let changes):
                    for change in changes {
                        runtime.remote.set(change.aor, node: sender, present: change.present)
                        if change.present, let moved = change.contacts { runtime.location.release(change.aor, contacts: moved) }
                    }
                case .blocks(let added, let removed): await runtime.network.adopt(added: added, removed: removed)
                case .registrations(let results): for result in results { runtime.registrationGuard.adopt(result) }
                case .logins(let results): for result in results { await shared.adoptLogin(result) }
                case .configurationChanged(let section): await shared.adoptSharedChange(section)
                }
            }
            bus.resync {
                await shared.resyncFromStore()
                if let bindings = try? await store.bindings() {
                    let now = Date()
                    runtime.remote.replace(with: bindings, except: name, now: now)
                    runtime.location.releaseMoved(seeing: bindings, now: now)
                }
            }
            clusterBus = bus
        }
        let sipService = SIPService(runtime: runtime, group: MultiThreadedEventLoopGroup.singleton, addresses: addresses, tls: tls,
                             networkGuard: !noNetworkGuard) { bound in
            Output.line("Portcullis SIP listening on \(bound); admin API on https://\(apiAddress) (certificate SHA-256 \(certificate.fingerprint)); data in \(data.path)")
        }
        if let expires = try await service.issueSetupTokenIfNeeded() {
            Output.line("""
                No Super Administrator exists yet. The one-time setup token is in \(data.setupTokenPath) (owner-only; it works until \
                \(expires.formatted(.iso8601))). Create the administrator with:
                  portcullis setup --data-dir \(data.path) --username admin
                """)
        }
        sshConsole.serve(through: ConsoleRunner(service: service))
        do {
            try await service.startSSHConsole()
        } catch {
            // The PBX runs without its console rather than not at all; `ssh show` tells, `ssh enable` retries.
            logger.error("SSH console not started", metadata: ["error": "\(error)"])
        }
        let portal = try await Portal(service: service)
        let admin = try AdminServer.services(service: service, runtime: runtime, registry: registry, listen: apiAddress, certificate: certificate,
                                             redirect: redirectAddress, socketPath: data.socketPath, pages: portal.install, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            // A lost SIP listener stops the server loudly (non-zero exit) once the event log has written why.
            services: [ServiceGroupConfiguration.ServiceConfiguration(service: eventLog),
                       ServiceGroupConfiguration.ServiceConfiguration(service: notifier),
                       ServiceGroupConfiguration.ServiceConfiguration(service: ResourceMonitor(bus: bus, dataPath: data.path, logger: logger)),
                       ServiceGroupConfiguration.ServiceConfiguration(service: sipService, failureTerminationBehavior: .gracefullyShutdownGroup)]
                + service.scheduledJobs(logger: logger).map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                + (membership.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? [])
                + (clusterBus.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? [])
                + admin.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        await sshConsole.close()
        try? FileManager.default.removeItem(atPath: data.socketPath)
    }

    /// Where the other nodes relay calls to this one: `--cluster-listen`, else the first SIP listener; UDP, on an
    /// address of this host (a wildcard cannot be reached).
    static func relayAddress(_ text: String?, listeners: [SIPListenAddress]) throws -> SIPListenAddress {
        let problem = "--cluster-listen HOST:PORT: the address of this node the others relay calls to (an IP address, not 0.0.0.0 or ::)"
        guard let chosen = try text.map({ try SIPListenAddress(parsing: $0) }) ?? listeners.first(where: { $0.transports.contains(.udp) }),
              chosen.transports.contains(.udp), !["0.0.0.0", "::"].contains(chosen.host),
              (try? SocketAddress(ipAddress: chosen.host, port: chosen.port)) != nil else { throw ValidationError(problem) }
        return SIPListenAddress(host: chosen.host, port: chosen.port, transports: [.udp])
    }

    /// Every node of a cluster opens the same sealed secrets and proves its relayed calls with the same key, so they
    /// must share `secrets.key`: the first node leaves a check value in the store, and a node whose key gives another
    /// one is refused before it joins (fails closed instead of refusing every relayed call and sealed secret later).
    static func checkSharedKey(_ box: SecretBox, in store: any PortcullisStore) async throws {
        let key = "cluster.keyCheck"
        let check = box.fingerprint("portcullis cluster key check")
        guard let stored = try await store.stored(String.self, key: key) else {
            try await store.store(check, key: key)
            return
        }
        guard ConstantTime.equalsHex(stored, check) else {
            throw ValidationError("this node's secrets.key is not the cluster's: copy secrets.key from a running node into the data directory (owner-only) and start again")
        }
    }
}
