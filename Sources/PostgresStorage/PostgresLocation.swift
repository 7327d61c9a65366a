import Foundation
import NIOCore
import NIOSSL
import PostgresNIO
import Storage

/// Where a PostgreSQL store is: `postgresql://USER@HOST:PORT/DATABASE[?sslmode=disable|require[&sslrootcert=CA.pem]]`.
/// The password is never in the URL (it would show in `ps` and shell history): it comes from a file or the
/// environment (`PORTCULLIS_STORE_PASSWORD`).
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, require }

    public let host: String
    public let port: Int
    public let username: String
    public let database: String
    public let tls: TLSMode
    /// A CA certificate (PEM) to verify the server with, instead of the system's trust store.
    public let rootCertificate: String?

    public static let scheme = "postgresql"

    public init(parsing text: String) throws(StoreError) {
        let refused = StoreError.backend("'\(text.prefix(200))' is not postgresql://USER@HOST:PORT/DATABASE (the password goes in a file or PORTCULLIS_STORE_PASSWORD)")
        guard let components = URLComponents(string: text), components.scheme == PostgresLocation.scheme || components.scheme == "postgres",
              let host = components.host, !host.isEmpty, let user = components.user, !user.isEmpty, components.password == nil else { throw refused }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw refused }
        var tls = TLSMode.disable
        var rootCertificate: String?
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", let value?):
                guard let mode = TLSMode(rawValue: value) else { throw StoreError.backend("sslmode: disable or require, not '\(value.prefix(20))'") }
                tls = mode
            case ("sslrootcert", let value?):
                rootCertificate = value
            default:
                throw StoreError.backend("unknown option '\(item.name.prefix(40))' in the store URL (sslmode, sslrootcert)")
            }
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? 5432
        username = user
        self.database = database
        self.tls = tls
        self.rootCertificate = rootCertificate
    }

    /// As given, without any secret: for logs and `cluster status`.
    public var description: String {
        "\(PostgresLocation.scheme)://\(username)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" + (tls == .require ? "?sslmode=require" : "")
    }

    /// The pool's settings.
    func clientConfiguration(password: String?) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database,
                                                         tls: tlsSettings.map { .require($0) } ?? .disable)
        configuration.options.maximumConnections = 20
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// One connection's settings: the first one, which migrates, answers with the server's own refusal.
    func connectionConfiguration(password: String?) throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database,
                                                             tls: try tlsSettings.map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable)
        configuration.options.connectTimeout = TimeAmount.seconds(10)
        return configuration
    }

    private var tlsSettings: TLSConfiguration? {
        guard tls == .require else { return nil }
        var settings = TLSConfiguration.makeClientConfiguration()
        if let rootCertificate { settings.trustRoots = .file(rootCertificate) }
        return settings
    }
}
