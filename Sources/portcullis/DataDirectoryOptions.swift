import ArgumentParser
import Foundation
import PostgresStorage
import Storage

/// `--data-dir`, shared by every command; PORTCULLIS_DATA_DIR, then ~/.portcullis, when not given.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default: $PORTCULLIS_DATA_DIR or ~/.portcullis).")
    var dataDirectory: String?

    @Option(name: .customLong("store"),
            help: "Where the data lives: the data directory's SQLite file (default), or postgresql://USER@HOST:PORT/DATABASE[?sslmode=require] shared by several nodes (env PORTCULLIS_STORE).")
    var store: String?
    @Option(name: .customLong("store-password-file"), help: "A file holding the PostgreSQL password (else env PORTCULLIS_STORE_PASSWORD).")
    var storePasswordFile: String?

    /// The store `--store` names: the SQLite file in the data directory unless a PostgreSQL URL is given.
    func openStore() async throws -> any PortcullisStore {
        let environment = ProcessInfo.processInfo.environment
        guard let url = store ?? environment.nonEmpty("PORTCULLIS_STORE"), url != "sqlite" else {
            return try SQLiteStore(path: databasePath)
        }
        let location = try PostgresLocation(parsing: url)
        let password = try SecretFile.read(storePasswordFile, option: "--store-password-file") ?? environment["PORTCULLIS_STORE_PASSWORD"]
        return try await PostgresStore(location, password: password)
    }

    var path: String {
        if let dataDirectory { return dataDirectory }
        let environment = ProcessInfo.processInfo.environment
        if let directory = environment.nonEmpty("PORTCULLIS_DATA_DIR") { return directory }
        let home = environment.nonEmpty("HOME") ?? FileManager.default.homeDirectoryForCurrentUser.path
        return (home as NSString).appendingPathComponent(".portcullis")
    }

    var databasePath: String { (path as NSString).appendingPathComponent("portcullis.sqlite") }
    var socketPath: String { (path as NSString).appendingPathComponent("portcullis.sock") }
    /// The key that seals trunk passwords and fingerprints route PINs (owner-only; back it up with the database).
    var secretKeyPath: String { (path as NSString).appendingPathComponent("secrets.key") }
    /// The one-time setup token, while no Super Administrator exists (owner-only).
    var setupTokenPath: String { (path as NSString).appendingPathComponent("setup-token") }

    /// Creates the directory readable by its owner only: it holds the database, secrets and the control socket. An
    /// existing directory is made owner-only too.
    func prepare() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
    }
}

/// `--json` for list commands.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false
}
