import Foundation
import GRDB
import Model

/// Users, API tokens, sessions and one-time login links.
extension SQLiteStore {
    public func createToken(_ token: APITokenRecord) async throws {
        try await write { db in
            try db.execute(sql: "INSERT INTO api_token (id, name, secret_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [token.id, token.name, token.secretHash, token.username, token.createdAt, token.expiresAt])
        }
    }

    public func token(secretHash: String) async throws -> APITokenRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE secret_hash = ?", arguments: [secretHash]).map(Self.tokenRecord)
        }
    }

    public func deleteToken(id: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM api_token WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    public func tokenUsed(id: String, at time: Date) async throws {
        try await write { db in try db.execute(sql: "UPDATE api_token SET last_used_at = ? WHERE id = ?", arguments: [time, id]) }
    }

    public func tokens() async throws -> [APITokenRecord] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_token ORDER BY created_at").map(Self.tokenRecord) }
    }

    public func createAdminUser(_ user: AdminUserRecord) async throws {
        try await write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM admin_user WHERE username = ?", arguments: [user.username]) != nil {
                throw StoreError.alreadyExists("user \(user.username)")
            }
            try Self.insert(user, db)
        }
    }

    public func createFirstAdministrator(_ user: AdminUserRecord, consuming key: String, value: String) async throws -> Bool {
        try await write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM admin_user LIMIT 1") == nil else { return false }
            try db.execute(sql: "DELETE FROM setting WHERE key = ? AND value = ?", arguments: [key, value])
            guard db.changesCount == 1 else { return false }
            try Self.insert(user, db)
            return true
        }
    }

    public func updateAdminUser(_ user: AdminUserRecord) async throws -> Bool {
        try await write { db in
            try db.execute(sql: """
                UPDATE admin_user SET password_hash = ?, role = ?, name = ?, email = ?, mobile = ?, extension = ?,
                  two_factor_required = ?, two_factor = ?, password_changed_at = ?, source = ? WHERE username = ?
                """, arguments: [user.passwordHash, user.role, user.name, user.email, user.mobile, user.extensionNumber,
                                 user.twoFactorRequired, Self.json(user.twoFactor), user.passwordChangedAt, user.source, user.username])
            return db.changesCount > 0
        }
    }

    public func deleteAdminUser(username: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM admin_user WHERE username = ?", arguments: [username])
            guard db.changesCount > 0 else { return false }
            for table in ["api_token", "session", "login_link"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE username = ?", arguments: [username])
            }
            return true
        }
    }

    public func adminUsers() async throws -> [AdminUserRecord] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM admin_user ORDER BY username").map(Self.userRecord) }
    }

    public func adminUser(username: String) async throws -> AdminUserRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM admin_user WHERE username = ?", arguments: [username]).map(Self.userRecord)
        }
    }

    public func createSession(_ session: SessionRecord, keepingPerUser: Int) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM session WHERE expires_at <= ?", arguments: [session.createdAt])
            try db.execute(sql: """
                DELETE FROM session WHERE username = ? AND id NOT IN
                  (SELECT id FROM session WHERE username = ? ORDER BY created_at DESC LIMIT ?)
                """, arguments: [session.username, session.username, max(0, keepingPerUser - 1)])
            try db.execute(sql: """
                INSERT INTO session (id, secret_hash, csrf_hash, username, created_at, last_seen_at, expires_at, address, user_agent, method)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [session.id, session.secretHash, session.csrfHash, session.username, session.createdAt, session.lastSeenAt,
                                 session.expiresAt, session.address, session.userAgent, session.method])
        }
    }

    public func session(secretHash: String) async throws -> SessionRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM session WHERE secret_hash = ?", arguments: [secretHash]).map(Self.sessionRecord)
        }
    }

    public func sessions(username: String?) async throws -> [SessionRecord] {
        try await read { db in
            if let username {
                return try Row.fetchAll(db, sql: "SELECT * FROM session WHERE username = ? ORDER BY created_at DESC", arguments: [username])
                    .map(Self.sessionRecord)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM session ORDER BY created_at DESC LIMIT 10000").map(Self.sessionRecord)
        }
    }

    public func sessionSeen(id: String, at time: Date) async throws {
        try await write { db in try db.execute(sql: "UPDATE session SET last_seen_at = ? WHERE id = ?", arguments: [time, id]) }
    }

    public func deleteSessions(ids: [String]) async throws -> Int {
        try await write { db in
            var count = 0
            for id in ids {
                try db.execute(sql: "DELETE FROM session WHERE id = ?", arguments: [id])
                count += db.changesCount
            }
            return count
        }
    }

    public func deleteSessions(username: String, keeping: String?) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM session WHERE username = ? AND id != ?", arguments: [username, keeping ?? ""])
            return db.changesCount
        }
    }

    public func replaceLoginLink(_ link: LoginLinkRecord) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM login_link WHERE username = ?", arguments: [link.username])
            try db.execute(sql: "INSERT INTO login_link (secret_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           arguments: [link.secretHash, link.username, link.createdAt, link.expiresAt])
        }
    }

    public func loginLink(secretHash: String) async throws -> LoginLinkRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM login_link WHERE secret_hash = ?", arguments: [secretHash]).map(Self.loginLinkRecord)
        }
    }

    public func consumeLoginLink(secretHash: String) async throws -> LoginLinkRecord? {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM login_link WHERE secret_hash = ?", arguments: [secretHash]) else { return nil }
            try db.execute(sql: "DELETE FROM login_link WHERE secret_hash = ?", arguments: [secretHash])
            return Self.loginLinkRecord(row)
        }
    }

    private static func loginLinkRecord(_ row: Row) -> LoginLinkRecord {
        LoginLinkRecord(secretHash: row["secret_hash"], username: row["username"], createdAt: row["created_at"], expiresAt: row["expires_at"])
    }

    private static func insert(_ user: AdminUserRecord, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO admin_user (username, password_hash, role, created_at, name, email, mobile, extension, two_factor_required,
              two_factor, password_changed_at, source)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [user.username, user.passwordHash, user.role, user.createdAt, user.name, user.email, user.mobile,
                             user.extensionNumber, user.twoFactorRequired, json(user.twoFactor), user.passwordChangedAt, user.source])
    }

    private static func json(_ state: TwoFactorState) -> String {
        String(decoding: (try? JSONEncoder().encode(state)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Second factors that cannot be read are an error naming the user: read as "none", they would let a password
    /// alone in.
    private static func userRecord(_ row: Row) throws -> AdminUserRecord {
        var user = AdminUserRecord(username: row["username"], passwordHash: row["password_hash"], role: row["role"], createdAt: row["created_at"],
                                   name: row["name"], email: row["email"], mobile: row["mobile"], extensionNumber: row["extension"])
        user.twoFactorRequired = row["two_factor_required"]
        user.passwordChangedAt = row["password_changed_at"]
        user.source = row["source"]
        if let text = row["two_factor"] as String? {
            guard let state = try? JSONDecoder().decode(TwoFactorState.self, from: Data(text.utf8)) else {
                throw StoreError.unreadable("the stored second factors of user \(user.username)")
            }
            user.twoFactor = state
        }
        return user
    }

    private static func tokenRecord(_ row: Row) -> APITokenRecord {
        APITokenRecord(id: row["id"], name: row["name"], secretHash: row["secret_hash"], username: row["username"], createdAt: row["created_at"],
                       expiresAt: row["expires_at"], lastUsedAt: row["last_used_at"])
    }

    private static func sessionRecord(_ row: Row) -> SessionRecord {
        SessionRecord(id: row["id"], secretHash: row["secret_hash"], csrfHash: row["csrf_hash"], username: row["username"],
                      createdAt: row["created_at"], lastSeenAt: row["last_seen_at"], expiresAt: row["expires_at"], address: row["address"],
                      userAgent: row["user_agent"], method: row["method"])
    }
}
