import AdminAPI
import ArgumentParser
import Foundation
import Model

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cluster", abstract: "Nodes sharing one PostgreSQL store.",
                                                    subcommands: [Status.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the nodes: health (alive, missing, stopped), last heartbeat and load.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let status = try await withClient(data) { try await $0.send(Endpoints.cluster) }
            if output.json { return try Output.json(status) }
            guard status.shared else { return print("one node: the store is this data directory's SQLite file (--store postgresql://... to share one)") }
            let now = Date()
            Output.table(["NODE", "ADDRESS", "HEALTH", "HEARTBEAT", "REGISTRATIONS", "CALLS", "VERSION"], status.nodes.map { node in
                [node.name + (node.name == status.node ? " (this)" : ""), node.address, node.health.rawValue,
                 "\(Int(now.timeIntervalSince(node.heartbeatAt)))s ago", "\(node.registrations)", "\(node.calls)", node.version]
            })
        }
    }
}
