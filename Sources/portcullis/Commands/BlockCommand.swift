import AdminAPI
import ArgumentParser
import Defense
import Foundation
import Model
import Storage

struct BlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "block", abstract: "The block list: sources refused before any parsing.",
                                                    subcommands: [List.self, Add.self, Remove.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List blocks, newest first, with the rule that made each one.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only blocks of this address or range.") var source: String?
        @Option(help: "Only this defense type: 'auto defense', 'manual', ...") var type: String?
        @Option(help: "At most this many.") var limit = 1_000

        func run() async throws {
            var query = [("limit", String(limit))]
            if let source { query.append(("source", (try? IPNetwork(parsing: source))?.description ?? source)) }
            if let type { query.append(("defenseType", type)) }
            let items = try await withClient(data) { [query] in try await $0.send(Endpoints.blocks, query: query).items }
            if output.json { return try Output.json(items) }
            Output.table(["ID", "SOURCE", "DEFENSE", "TYPE", "RANGE", "PROTOCOL", "PORT", "ATTACKED", "RULE", "EXPIRES", "HITS"], items.map { block in
                [block.id.map(String.init) ?? "", block.source, block.defenseType, block.blockType, block.service ?? "all",
                 block.protocol ?? "", block.port.map(String.init) ?? "", Output.time(block.attackedAt), block.rule,
                 block.expiresAt.map(Output.time) ?? "permanent", String(block.hits)]
            })
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Block an address or CIDR range.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Address or CIDR range.") var source: String
        @Option(help: "How long: seconds or 30m, 12h, 7d. Default: permanent.") var duration: String?
        @Option(help: "Only this service: sip, api, https, ssh. Default: all.") var service: String?
        @Option(help: "Why, for the record.") var note: String?
        @Flag(help: "Block even when the range contains this machine's address.") var force = false

        func run() async throws {
            var seconds: Int?
            if let duration {
                guard let value = TimeExpression.seconds(duration), value >= 1, value <= 31_536_000 else {
                    throw ValidationError("--duration must be 1s-365d, as seconds or with s, m, h, d")
                }
                seconds = Int(value)
            }
            var target: NetworkService?
            if let service {
                guard let value = NetworkService(rawValue: service) else { throw ValidationError("--service must be sip, api, https or ssh") }
                target = value
            }
            let request = ManualBlockRequest(source: source, duration: seconds, service: target, note: note, force: force)
            let block = try await withClient(data) { try await $0.send(Endpoints.block, body: request) }
            if output.json { return try Output.json(block) }
            print("blocked \(block.source) (\(block.service ?? "all services")) until \(block.expiresAt.map(Output.time) ?? "removed"); id \(block.id ?? 0)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unblock by id or by source; a running server admits the source at once.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Block id, or the blocked address or range.") var target: String

        func run() async throws {
            let removed = try await withClient(data) { try await $0.send(Endpoints.unblock, ["target": target]).items }
            if output.json { return try Output.json(removed) }
            for block in removed { print("unblocked \(block.source) (id \(block.id ?? 0), \(block.defenseType), rule \(block.rule))") }
        }
    }
}
