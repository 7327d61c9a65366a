import Foundation
import Model
import PostgresNIO
import Storage

/// Users, API tokens, sessions and one-time login links.
extension PostgresStore {
    public func createToken(_ token: APITokenRecord) async throws {
        try await rows("""
            INSERT INTO api_token (id, name, secret_hash, username, created_at, expires_at)
            VALUES (\(token.id), \(token.name), \(token.secretHash), \(token.username), \(token.createdAt), \(token.expiresAt))
            """)
    }

    public func token(secretHash: String) async throws -> APITokenRecord? {
        try await rows("SELECT * FROM api_token WHERE secret_hash = \(secretHash)").first.map(Self.tokenRecord)
    }

    public func tokens() async throws -> [APITokenRecord] {
        try await rows("SELECT * FROM api_token ORDER BY created_at").map(Self.tokenRecord)
    }

    public func deleteToken(id: String) async throws -> Bool {
        try await !rows("DELETE FROM api_token WHERE id = \(id) RETURNING id").isEmpty
    }

    public func tokenUsed(id: String, at time: Date) async throws {
        try await rows("UPDATE api_token SET last_used_at = \(time) WHERE id = \(id)")
    }

    public func createAdminUser(_ user: AdminUserRecord) async throws {
        try await transaction { connection in
            if try await !Self.rows(connection, "SELECT 1 FROM admin_user WHERE username = \(user.username)").isEmpty {
                throw StoreError.alreadyExists("user \(user.username)")
            }
            try await Self.insert(user, connection)
        }
    }

    public func createFirstAdministrator(_ user: AdminUserRecord, consuming key: String, value: String) async throws -> Bool {
        try await transaction { connection in
            // Racing setups serialise on the setting's row; the loser finds it consumed.
            guard try await Self.rows(connection, "SELECT 1 FROM admin_user LIMIT 1").isEmpty,
                  try await Self.rows(connection, "DELETE FROM setting WHERE key = \(key) AND value = \(value) RETURNING key").count == 1
            else { return false }
            try await Self.insert(user, connection)
            return true
        }
    }

    public func adminUsers() async throws -> [AdminUserRecord] {
        try await rows("SELECT * FROM admin_user ORDER BY username").map(Self.userRecord)
    }

    public func adminUser(username: String) async throws -> AdminUserRecord? {
        try await rows("SELECT * FROM admin_user WHERE username = \(username)").first.map(Self.userRecord)
    }

    public func updateAdminUser(_ user: AdminUserRecord) async throws -> Bool {
        try await !rows("""
            UPDATE admin_user SET password_hash = \(user.passwordHash), role = \(user.role), name = \(user.name), email = \(user.email),
              mobile = \(user.mobile), extension = \(user.extensionNumber), two_factor_required = \(user.twoFactorRequired),
              two_factor = \(Self.json(user.twoFactor)), password_changed_at = \(user.passwordChangedAt), source = \(user.source)
            WHERE username = \(user.username) RETURNING username
            """).isEmpty
    }

    public func deleteAdminUser(username: String) async throws -> Bool {
        try await transaction { connection in
            guard try await !Self.rows(connection, "DELETE FROM admin_user WHERE username = \(username) RETURNING username").isEmpty else { return false }
            try await Self.rows(connection, "DELETE FROM api_token WHERE username = \(username)")
            try await Self.rows(connection, "DELETE FROM session WHERE username = \(username)")
            try await Self.rows(connection, "DELETE FROM login_link WHERE username = \(username)")
            return true
        }
    }

    public func createSession(_ session: SessionRecord, keepingPerUser: Int) async throws {
        try await transaction { connection in
            try await Self.rows(connection, "DELETE FROM session WHERE expires_at <= \(session.createdAt)")
            try await Self.rows(connection, """
                DELETE FROM session WHERE username = \(session.username) AND id NOT IN
                  (SELECT id FROM session WHERE username = \(session.username) ORDER BY created_at DESC LIMIT \(max(0, keepingPerUser - 1)))
                """)
            try await Self.rows(connection, """
                INSERT INTO session (id, secret_hash, csrf_hash, username, created_at, last_seen_at, expires_at, address, user_agent, method)
                VALUES (\(session.id), \(session.secretHash), \(session.csrfHash), \(session.username), \(session.createdAt),
                        \(session.lastSeenAt), \(session.expiresAt), \(session.address), \(session.userAgent), \(session.method))
                """)
        }
    }

    public func session(secretHash: String) async throws -> SessionRecord? {
        try await rows("SELECT * FROM session WHERE secret_hash = \(secretHash)").first.map(Self.sessionRecord)
    }

    public func sessions(username: String?) async throws -> [SessionRecord] {
        if let username {
            return try await rows("SELECT * FROM session WHERE username = \(username) ORDER BY created_at DESC").map(Self.sessionRecord)
        }
        return try await rows("SELECT * FROM session ORDER BY created_at DESC LIMIT 10000").map(Self.sessionRecord)
    }

    public func sessionSeen(id: String, at time: Date) async throws {
        try await rows("UPDATE session SET last_seen_at = \(time) WHERE id = \(id)")
    }

    public func deleteSessions(ids: [String]) async throws -> Int {
        try await rows("DELETE FROM session WHERE id = ANY(\(ids)) RETURNING id").count
    }

    public func deleteSessions(username: String, keeping: String?) async throws -> Int {
        try await rows("DELETE FROM session WHERE username = \(username) AND id <> \(keeping ?? "") RETURNING id").count
    }

    public func replaceLoginLink(_ link: LoginLinkRecord) async throws {
        try await transaction { connection in
            try await Self.rows(connection, "DELETE FROM login_link WHERE username = \(link.username)")
            try await Self.rows(connection, """
                INSERT INTO login_link (secret_hash, username, created_at, expires_at)
                VALUES (\(link.secretHash), \(link.username), \(link.createdAt), \(link.expiresAt))
                """)
        }
    }

    public func loginLink(secretHash: String) async throws -> LoginLinkRecord? {
        try await rows("SELECT * FROM login_link WHERE secret_hash = \(secretHash)").first.map(Self.loginLinkRecord)
    }

    /// Deleting returns the row once: of two requests racing with the same link, one gets it.
    public func consumeLoginLink(secretHash: String) async throws -> LoginLinkRecord? {
        try await rows("DELETE FROM login_link WHERE secret_hash = \(secretHash) RETURNING *").first.map(Self.loginLinkRecord)
    }

    private static func insert(_ user: AdminUserRecord, _ connection: PostgresConnection) async throws {
        try await rows(connection, """
            INSERT INTO admin_user (username, password_hash, role, created_at, name, email, mobile, extension, two_factor_required,
              two_factor, password_changed_at, source)
            VALUES (\(user.username), \(user.passwordHash), \(user.role), \(user.createdAt), \(user.name), \(user.email), \(user.mobile),
                    \(user.extensionNumber), \(user.twoFactorRequired), \(json(user.twoFactor)), \(user.passwordChangedAt), \(user.source))
            """)
    }

    private static func json(_ state: TwoFactorState) -> String {
        String(decoding: (try? JSONEncoder().encode(state)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Second factors that cannot be read are an error naming the user: read as "none", they would let a password
    /// alone in.
    private static func userRecord(_ row: PostgresRandomAccessRow) throws -> AdminUserRecord {
        var user = AdminUserRecord(username: try row.get("username"), passwordHash: try row.get("password_hash"), role: try row.get("role"),
                                   createdAt: try row.get("created_at"), name: try row.get("name"), email: try row.get("email"),
                                   mobile: try row.get("mobile"), extensionNumber: try row.get("extension"))
        user.twoFactorRequired = try row.get("two_factor_required")
        user.passwordChangedAt = try row.get("password_changed_at")
        user.source = try row.get("source")
        if let text = try row.get("two_factor", as: String?.self) {
            guard let state = try? JSONDecoder().decode(TwoFactorState.self, from: Data(text.utf8)) else {
                throw StoreError.unreadable("the stored second factors of user \(user.username)")
            }
            user.twoFactor = state
        }
        return user
    }

    private static func tokenRecord(_ row: PostgresRandomAccessRow) throws -> APITokenRecord {
        APITokenRecord(id: try row.get("id"), name: try row.get("name"), secretHash: try row.get("secret_hash"), username: try row.get("username"),
                       createdAt: try row.get("created_at"), expiresAt: try row.get("expires_at"), lastUsedAt: try row.get("last_used_at"))
    }

    private static func sessionRecord(_ row: PostgresRandomAccessRow) throws -> SessionRecord {
        SessionRecord(id: try row.get("id"), secretHash: try row.get("secret_hash"), csrfHash: try row.get("csrf_hash"), username: try row.get("username"),
                      createdAt: try row.get("created_at"), lastSeenAt: try row.get("last_seen_at"), expiresAt: try row.get("expires_at"),
                      address: try row.get("address"), userAgent: try row.get("user_agent"), method: try row.get("method"))
    }

    private static func loginLinkRecord(_ row: PostgresRandomAccessRow) throws -> LoginLinkRecord {
        LoginLinkRecord(secretHash: try row.get("secret_hash"), username: try row.get("username"), createdAt: try row.get("created_at"),
                        expiresAt: try row.get("expires_at"))
    }
}
