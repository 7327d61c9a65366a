import Foundation
import Model
import GRDB

/// Versioned schema; a migration once shipped is never edited, only followed by a new one.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE extension (
                  number TEXT PRIMARY KEY NOT NULL,
                  display_name TEXT,
                  ha1_md5 TEXT NOT NULL,
                  ha1_sha256 TEXT NOT NULL,
                  created_at DATETIME NOT NULL,
                  updated_at DATETIME NOT NULL);
                CREATE TABLE binding (
                  aor TEXT NOT NULL,
                  contact TEXT NOT NULL,
                  expires_at DATETIME NOT NULL,
                  call_id TEXT NOT NULL,
                  cseq INTEGER NOT NULL,
                  source TEXT NOT NULL,
                  transport TEXT NOT NULL,
                  user_agent TEXT,
                  updated_at DATETIME NOT NULL,
                  PRIMARY KEY (aor, contact));
                CREATE TABLE event (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  time DATETIME NOT NULL,
                  name TEXT NOT NULL,
                  category TEXT NOT NULL,
                  level TEXT NOT NULL,
                  fields TEXT NOT NULL);
                CREATE INDEX event_time ON event (time);
                CREATE INDEX event_name_time ON event (name, time);
                CREATE TABLE api_token (
                  id TEXT PRIMARY KEY NOT NULL,
                  name TEXT NOT NULL,
                  secret_hash TEXT NOT NULL UNIQUE,
                  role TEXT NOT NULL,
                  created_at DATETIME NOT NULL);
                CREATE TABLE admin_user (
                  username TEXT PRIMARY KEY NOT NULL,
                  password_hash TEXT NOT NULL,
                  role TEXT NOT NULL,
                  created_at DATETIME NOT NULL);
                CREATE TABLE setting (
                  key TEXT PRIMARY KEY NOT NULL,
                  value TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("v2 network blocks") { db in
            try db.execute(sql: """
                CREATE TABLE network_block (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  source TEXT NOT NULL,
                  defense_type TEXT NOT NULL,
                  block_type TEXT NOT NULL,
                  service TEXT,
                  account TEXT,
                  protocol TEXT,
                  port INTEGER,
                  attacked_at DATETIME NOT NULL,
                  rule TEXT NOT NULL,
                  note TEXT,
                  created_at DATETIME NOT NULL,
                  expires_at DATETIME,
                  hits INTEGER NOT NULL DEFAULT 0,
                  offense INTEGER NOT NULL DEFAULT 1);
                CREATE INDEX network_block_source ON network_block (source);
                CREATE INDEX network_block_expires ON network_block (expires_at);
                """)
        }
        migrator.registerMigration("v3 extension policy") { db in
            try db.execute(sql: "ALTER TABLE extension ADD COLUMN policy TEXT NOT NULL DEFAULT '{}'")
        }
        migrator.registerMigration("v4 registration name") { db in
            try db.execute(sql: """
                ALTER TABLE extension ADD COLUMN registration_name TEXT;
                UPDATE extension SET registration_name = number;
                CREATE UNIQUE INDEX extension_registration_name ON extension (registration_name);
                """)
        }
        migrator.registerMigration("v5 call detail records") { db in
            try db.execute(sql: """
                CREATE TABLE cdr (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  call_id TEXT NOT NULL,
                  caller TEXT NOT NULL,
                  callee TEXT NOT NULL,
                  dialed TEXT NOT NULL,
                  sent TEXT,
                  route TEXT,
                  trunk TEXT,
                  start DATETIME NOT NULL,
                  answer DATETIME,
                  end DATETIME NOT NULL,
                  disposition TEXT NOT NULL,
                  hangup_side TEXT,
                  cause TEXT,
                  decision TEXT,
                  decision_reason TEXT,
                  packets_from_caller INTEGER,
                  packets_from_callee INTEGER);
                CREATE INDEX cdr_start ON cdr (start);
                CREATE INDEX cdr_caller ON cdr (caller, start);
                CREATE INDEX cdr_callee ON cdr (callee, start);
                """)
        }
        migrator.registerMigration("v6 PIN used on a call") { db in
            try db.execute(sql: "ALTER TABLE cdr ADD COLUMN pin TEXT")
        }
        migrator.registerMigration("v7 settings as configuration sections") { db in
            guard let old = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = 'server.settings'") else { return }
            let (sip, api) = try StoreMigrations.splitServerSettings(old)
            try db.execute(sql: "INSERT OR REPLACE INTO setting (key, value) VALUES ('sip.settings', ?), ('api.settings', ?)", arguments: [sip, api])
            try db.execute(sql: "DELETE FROM setting WHERE key = 'server.settings'")
        }
        migrator.registerMigration("v8 token expiry and last use") { db in
            try db.execute(sql: "ALTER TABLE api_token ADD COLUMN expires_at DATETIME")
            try db.execute(sql: "ALTER TABLE api_token ADD COLUMN last_used_at DATETIME")
        }
        migrator.registerMigration("v9 accounts") { db in
            // Tokens act for a user with the user's role; the tokens that existed become the Super Administrator's.
            try db.execute(sql: """
                ALTER TABLE api_token ADD COLUMN username TEXT NOT NULL DEFAULT '';
                UPDATE api_token SET username = COALESCE((SELECT username FROM admin_user WHERE role = 'Super Administrator' LIMIT 1), '');
                ALTER TABLE api_token DROP COLUMN role;
                ALTER TABLE admin_user ADD COLUMN name TEXT;
                ALTER TABLE admin_user ADD COLUMN email TEXT;
                ALTER TABLE admin_user ADD COLUMN mobile TEXT;
                ALTER TABLE admin_user ADD COLUMN extension TEXT;
                ALTER TABLE admin_user ADD COLUMN two_factor_required INTEGER;
                ALTER TABLE admin_user ADD COLUMN two_factor TEXT;
                ALTER TABLE admin_user ADD COLUMN password_changed_at DATETIME;
                ALTER TABLE admin_user ADD COLUMN source TEXT NOT NULL DEFAULT 'local';
                CREATE INDEX admin_user_email ON admin_user (email);
                CREATE TABLE session (
                  id TEXT PRIMARY KEY NOT NULL,
                  secret_hash TEXT NOT NULL UNIQUE,
                  csrf_hash TEXT NOT NULL,
                  username TEXT NOT NULL,
                  created_at DATETIME NOT NULL,
                  last_seen_at DATETIME NOT NULL,
                  expires_at DATETIME NOT NULL,
                  address TEXT NOT NULL,
                  user_agent TEXT NOT NULL,
                  method TEXT NOT NULL);
                CREATE INDEX session_username ON session (username);
                CREATE TABLE login_link (
                  secret_hash TEXT PRIMARY KEY NOT NULL,
                  username TEXT NOT NULL,
                  created_at DATETIME NOT NULL,
                  expires_at DATETIME NOT NULL);
                """)
        }
        migrator.registerMigration("v10 dashboard indexes") { db in
            // The dashboard counts the week's blocks and warnings by kind: covering indexes keep that off the tables.
            try db.execute(sql: """
                CREATE INDEX network_block_created ON network_block (created_at, defense_type);
                CREATE INDEX event_time_level ON event (time, level, category);
                """)
        }
        migrator.registerMigration("v11 event read status") { db in
            try db.execute(sql: "ALTER TABLE event ADD COLUMN read INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v12 three event levels") { db in
            try db.execute(sql: "UPDATE event SET level = 'information' WHERE level IN ('info', 'notice')")
        }
        migrator.registerMigration("v13 call record node") { db in
            try db.execute(sql: "ALTER TABLE cdr ADD COLUMN node TEXT")
        }
        migrator.registerMigration("v14 binding node") { db in
            try db.execute(sql: "ALTER TABLE binding ADD COLUMN node TEXT")
        }
        return migrator
    }

    /// The flat server settings of versions before the configuration root (`sipListen`, `apiListen`, `tlsCertificate`,
    /// `tlsKey` beside the `sip:` sections) as the `sip:` and `api:` sections. Unreadable is an error: the
    /// migration, and so the start, stops rather than forgetting a setting.
    static func splitServerSettings(_ json: String) throws -> (sip: String, api: String) {
        guard var sip = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw StoreError.unreadable("the stored setting 'server.settings'")
        }
        var api: [String: Any] = [:]
        if let listen = sip.removeValue(forKey: "apiListen") { api["listen"] = listen }
        if let listen = sip.removeValue(forKey: "sipListen") { sip["listen"] = listen }
        var tls: [String: Any] = [:]
        if let certificate = sip.removeValue(forKey: "tlsCertificate") { tls["certificate"] = certificate }
        if let key = sip.removeValue(forKey: "tlsKey") { tls["key"] = key }
        if !tls.isEmpty { sip["tls"] = tls }
        let encode = { (object: [String: Any]) in String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self) }
        return (try encode(sip), try encode(api))
    }
}
