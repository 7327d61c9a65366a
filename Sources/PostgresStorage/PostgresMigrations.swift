import PostgresNIO

/// The schema, by named steps applied once each and never edited after they shipped, as `StoreMigrations` does for
/// SQLite. Nodes starting together take an advisory lock, so one of them migrates and the others find it done.
enum PostgresMigrations {
    static let steps: [(name: String, sql: [String])] = [
        ("v1 schema", [
            """
            CREATE TABLE extension (number TEXT PRIMARY KEY, registration_name TEXT NOT NULL UNIQUE, display_name TEXT,
              ha1_md5 TEXT NOT NULL, ha1_sha256 TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL,
              policy TEXT NOT NULL DEFAULT '{}')
            """,
            """
            CREATE TABLE binding (aor TEXT NOT NULL, contact TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL, call_id TEXT NOT NULL,
              cseq BIGINT NOT NULL, source TEXT NOT NULL, transport TEXT NOT NULL, user_agent TEXT, updated_at TIMESTAMPTZ NOT NULL,
              PRIMARY KEY (aor, contact))
            """,
            """
            CREATE TABLE event (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, time TIMESTAMPTZ NOT NULL, name TEXT NOT NULL,
              category TEXT NOT NULL, level TEXT NOT NULL, fields JSONB NOT NULL, read BOOLEAN NOT NULL DEFAULT FALSE)
            """,
            "CREATE INDEX event_time ON event (time)",
            "CREATE INDEX event_name_time ON event (name, time)",
            "CREATE INDEX event_time_level ON event (time, level, category)",
            """
            CREATE TABLE api_token (id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_hash TEXT NOT NULL UNIQUE, username TEXT NOT NULL,
              created_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ, last_used_at TIMESTAMPTZ)
            """,
            """
            CREATE TABLE admin_user (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL,
              created_at TIMESTAMPTZ NOT NULL, name TEXT, email TEXT, mobile TEXT, extension TEXT, two_factor_required BOOLEAN,
              two_factor TEXT, password_changed_at TIMESTAMPTZ, source TEXT NOT NULL DEFAULT 'local')
            """,
            "CREATE INDEX admin_user_email ON admin_user (email)",
            """
            CREATE TABLE session (id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL UNIQUE, csrf_hash TEXT NOT NULL, username TEXT NOT NULL,
              created_at TIMESTAMPTZ NOT NULL, last_seen_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL, address TEXT NOT NULL,
              user_agent TEXT NOT NULL, method TEXT NOT NULL)
            """,
            "CREATE INDEX session_username ON session (username)",
            """
            CREATE TABLE login_link (secret_hash TEXT PRIMARY KEY, username TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL,
              expires_at TIMESTAMPTZ NOT NULL)
            """,
            "CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE network_block (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, source TEXT NOT NULL, defense_type TEXT NOT NULL,
              block_type TEXT NOT NULL, service TEXT, account TEXT, protocol TEXT, port BIGINT, attacked_at TIMESTAMPTZ NOT NULL,
              rule TEXT NOT NULL, note TEXT, created_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ, hits BIGINT NOT NULL DEFAULT 0,
              offense BIGINT NOT NULL DEFAULT 1)
            """,
            "CREATE INDEX network_block_source ON network_block (source)",
            "CREATE INDEX network_block_expires ON network_block (expires_at)",
            "CREATE INDEX network_block_created ON network_block (created_at, defense_type)",
            """
            CREATE TABLE cdr (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, call_id TEXT NOT NULL, caller TEXT NOT NULL,
              callee TEXT NOT NULL, dialed TEXT NOT NULL, sent TEXT, route TEXT, trunk TEXT, start TIMESTAMPTZ NOT NULL, answer TIMESTAMPTZ,
              "end" TIMESTAMPTZ NOT NULL, disposition TEXT NOT NULL, hangup_side TEXT, cause TEXT, decision TEXT, decision_reason TEXT,
              pin TEXT, packets_from_caller BIGINT, packets_from_callee BIGINT)
            """,
            "CREATE INDEX cdr_start ON cdr (start)",
            "CREATE INDEX cdr_caller ON cdr (caller, start)",
            "CREATE INDEX cdr_callee ON cdr (callee, start)",
        ]),
        ("v2 cluster nodes", [
            """
            CREATE TABLE cluster_node (name TEXT PRIMARY KEY, address TEXT NOT NULL, version TEXT NOT NULL, started_at TIMESTAMPTZ NOT NULL,
              heartbeat_at TIMESTAMPTZ NOT NULL, stopped_at TIMESTAMPTZ, registrations BIGINT NOT NULL DEFAULT 0, calls BIGINT NOT NULL DEFAULT 0)
            """,
        ]),
        ("v3 call record node", ["ALTER TABLE cdr ADD COLUMN node TEXT"]),
        ("v4 binding node", ["ALTER TABLE binding ADD COLUMN node TEXT", "CREATE INDEX binding_node ON binding (node)"]),
        ("v5 outbound ledger", [
            """
            CREATE TABLE outbound_call (key TEXT PRIMARY KEY, extension TEXT NOT NULL, trunk TEXT, node TEXT NOT NULL,
              started_at TIMESTAMPTZ NOT NULL, ended_at TIMESTAMPTZ, counted BOOLEAN NOT NULL DEFAULT true)
            """,
            "CREATE INDEX outbound_call_extension ON outbound_call (extension, started_at)",
            "CREATE INDEX outbound_call_up ON outbound_call (trunk) WHERE ended_at IS NULL",
        ]),
        ("v6 open calls", [
            "CREATE TABLE open_call (key TEXT PRIMARY KEY, node TEXT NOT NULL, record TEXT NOT NULL)",
            "CREATE INDEX open_call_node ON open_call (node)",
            "CREATE INDEX cdr_call_id ON cdr (call_id)",
        ]),
    ]

    /// An arbitrary constant naming Portcullis's migration lock among other users of the database.
    static let lockKey: Int64 = 0x706F_7274_6375_6C6C

    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS portcullis_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)",
                                       logger: logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM portcullis_migration", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            for step in steps where !applied.contains(step.name) {
                for statement in step.sql { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await connection.query("INSERT INTO portcullis_migration (name, applied_at) VALUES (\(step.name), now())", logger: logger)
            }
        }
    }
}
