import Foundation
import Model
import PostgresNIO
import Storage

extension PostgresStore: ClusterRegistry {
    public func join(_ node: ClusterNode, aliveSince: Date) async throws -> Bool {
        // The row is taken when it is new, stopped or stale; a live holder keeps it (the upsert's WHERE fails).
        try await !rows("""
            INSERT INTO cluster_node (name, address, version, started_at, heartbeat_at, stopped_at, registrations, calls)
            VALUES (\(node.name), \(node.address), \(node.version), \(node.startedAt), \(node.heartbeatAt), NULL, 0, 0)
            ON CONFLICT (name) DO UPDATE SET address = excluded.address, version = excluded.version, started_at = excluded.started_at,
              heartbeat_at = excluded.heartbeat_at, stopped_at = NULL, registrations = 0, calls = 0
            WHERE cluster_node.stopped_at IS NOT NULL OR cluster_node.heartbeat_at <= \(aliveSince)
            RETURNING name
            """).isEmpty
    }

    public func heartbeat(_ node: ClusterNode) async throws {
        try await rows("""
            UPDATE cluster_node SET heartbeat_at = \(node.heartbeatAt), registrations = \(node.registrations), calls = \(node.calls)
            WHERE name = \(node.name) AND started_at = \(node.startedAt)
            """)
    }

    public func leave(_ name: String, at time: Date) async throws {
        try await rows("UPDATE cluster_node SET stopped_at = \(time) WHERE name = \(name)")
    }

    /// The NOTIFY channel the nodes talk on.
    static let channel = "portcullis"

    public func announce(_ payload: String) async throws {
        try await rows("SELECT pg_notify(\(Self.channel), \(payload))")
    }

    /// On a connection of its own: a pooled one goes back to the pool between queries.
    public func listen(listening: @escaping @Sendable () async -> Void, _ receive: @escaping @Sendable (String) async -> Void) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(password: password), id: 1,
                                                              logger: logger)
        } catch {
            throw StoreError.backend(Self.describe(error))
        }
        do {
            try await connection.listen(on: Self.channel) { notifications in
                await listening()
                for try await notification in notifications { await receive(notification.payload) }
            }
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw StoreError.backend(Self.describe(error))
        }
    }

    public func nodes() async throws -> [ClusterNode] {
        try await rows("SELECT * FROM cluster_node ORDER BY name").map { row in
            ClusterNode(name: try row.get("name"), address: try row.get("address"), version: try row.get("version"),
                        startedAt: try row.get("started_at"), heartbeatAt: try row.get("heartbeat_at"), stoppedAt: try row.get("stopped_at"),
                        registrations: try row.get("registrations"), calls: try row.get("calls"))
        }
    }
}
