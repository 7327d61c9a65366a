import ArgumentParser
import Foundation
import PostgresStorage
import Storage

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "Where the data lives: move an installation between engines.",
                                                    subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every table, ids included, from one store into an empty one (stop the server first).",
            discussion: """
                portcullis store migrate --from sqlite:/var/lib/portcullis --to postgresql://pbx@db:5432/portcullis
                The data directory's secrets.key seals trunk passwords and other secrets in the store: every node that uses \
                the new store needs a copy of it.
                """)
        @Option(help: "sqlite:DIR (a data directory) or postgresql://USER@HOST:PORT/DB.") var from: String
        @Option(help: "sqlite:DIR or postgresql://USER@HOST:PORT/DB; it must hold nothing yet.") var to: String
        @Option(help: "A file holding the PostgreSQL password (else env PORTCULLIS_STORE_PASSWORD).") var passwordFile: String?

        func run() async throws {
            let password = try SecretFile.read(passwordFile, option: "--password-file") ?? ProcessInfo.processInfo.environment["PORTCULLIS_STORE_PASSWORD"]
            let source = try await open(from, password: password)
            let target = try await open(to, password: password)
            let copied = try await StoreCopy.copy(from: source, to: target)
            for table in StoreTable.all { print("\(table.name): \(copied[table.name] ?? 0) rows") }
            print("copied \(from) to \(to)")
        }

        private func open(_ text: String, password: String?) async throws -> any StoreTransfer {
            if text.hasPrefix("sqlite:") {
                let directory = String(text.dropFirst("sqlite:".count))
                let path = (directory as NSString).appendingPathComponent("portcullis.sqlite")
                guard FileManager.default.fileExists(atPath: path) || text == to else { throw ValidationError("\(text): no portcullis.sqlite there") }
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                return try SQLiteStore(path: path)
            }
            return try await PostgresStore(try PostgresLocation(parsing: text), password: password)
        }
    }
}
