public import GRDB
public import Foundation

/// Reel's durable state in one SQLite database (WAL mode), with its migrations.
///
/// Every API surface shares the accounts, keys, credit ledger, jobs, files and webhook outbox;
/// the store knows none of the surfaces: keys carry their surface's name and format, jobs their
/// dialect's name, and each surface words states and errors in its own vocabulary.
public final class ReelDatabase: Sendable {
    public let writer: DatabasePool

    /// Opens (creating and migrating when needed) the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        writer = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE accounts (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    storage_quota INTEGER NOT NULL,
                    settings TEXT NOT NULL DEFAULT '{}',
                    created_at TEXT NOT NULL
                );
                -- One table for every API surface's credentials. RenderingVideo: sk-<id><secret>;
                -- AVS: avs.<id>.<secret>; FVS agent keys carry per-key default settings.
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    api TEXT NOT NULL CHECK (api IN ('renderingvideo', 'avs', 'fvs')),
                    secret_hash BLOB NOT NULL,
                    label TEXT,
                    settings TEXT NOT NULL DEFAULT '{}',
                    created_at TEXT NOT NULL,
                    revoked_at TEXT
                );
                -- Append-only: a balance is the sum of its rows.
                CREATE TABLE credit_ledger (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    delta INTEGER NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('grant', 'reserve', 'settle', 'refund')),
                    job_id TEXT,
                    note TEXT,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX credit_ledger_account ON credit_ledger(account_id);
                CREATE TRIGGER credit_ledger_no_update BEFORE UPDATE ON credit_ledger
                    BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;
                CREATE TRIGGER credit_ledger_no_delete BEFORE DELETE ON credit_ledger
                    BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;
                CREATE TABLE tasks (
                    id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    api TEXT NOT NULL,
                    config TEXT NOT NULL,
                    metadata TEXT,
                    title TEXT,
                    category TEXT NOT NULL,
                    status TEXT NOT NULL,
                    width INTEGER NOT NULL,
                    height INTEGER NOT NULL,
                    duration REAL NOT NULL,
                    cost INTEGER NOT NULL,
                    job_id TEXT,
                    error TEXT,
                    created_at TEXT NOT NULL,
                    completed_at TEXT
                );
                CREATE INDEX tasks_account ON tasks(account_id, created_at);
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY,
                    task_id TEXT NOT NULL,
                    account_id TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
                    cost INTEGER NOT NULL,
                    progress REAL NOT NULL DEFAULT 0,
                    webhook_url TEXT,
                    workers INTEGER NOT NULL DEFAULT 1,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    output_path TEXT,
                    created_at TEXT NOT NULL,
                    started_at TEXT,
                    finished_at TEXT
                );
                CREATE INDEX jobs_status ON jobs(status, created_at);
                CREATE TABLE files (
                    id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    name TEXT NOT NULL,
                    stored_path TEXT NOT NULL,
                    type TEXT NOT NULL,
                    mime_type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX files_account ON files(account_id, created_at);
                CREATE TABLE previews (
                    id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    config TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL
                );
                CREATE TABLE webhooks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    url TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at TEXT NOT NULL,
                    last_error TEXT,
                    created_at TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2: task dialects") { db in
            // Which input dialect a task's document is written in; every task before this one
            // was a RenderingVideo v2 config.
            try db.execute(sql: "ALTER TABLE tasks ADD COLUMN dialect TEXT NOT NULL DEFAULT 'renderingvideo-v2'")
        }
        migrator.registerMigration("v3: surfaces as plug-ins") { db in
            // Keys carry their own format, so the store checks and rotates them without knowing the
            // surfaces; the surface names are no longer a fixed list. The formats of the keys made
            // before this are the three surfaces' formats of the time.
            try db.execute(sql: """
                CREATE TABLE api_keys_new (
                    id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    api TEXT NOT NULL,
                    key_prefix TEXT NOT NULL,
                    key_separator TEXT NOT NULL,
                    secret_hash BLOB NOT NULL,
                    label TEXT,
                    settings TEXT NOT NULL DEFAULT '{}',
                    created_at TEXT NOT NULL,
                    revoked_at TEXT
                );
                INSERT INTO api_keys_new (id, account_id, api, key_prefix, key_separator, secret_hash, label, settings, created_at, revoked_at)
                    SELECT id, account_id, api,
                           CASE api WHEN 'avs' THEN 'avs.' WHEN 'fvs' THEN 'fvs_' ELSE 'sk-' END,
                           CASE api WHEN 'avs' THEN '.' WHEN 'fvs' THEN '_' ELSE '' END,
                           secret_hash, label, settings, created_at, revoked_at FROM api_keys;
                DROP TABLE api_keys;
                ALTER TABLE api_keys_new RENAME TO api_keys;
                CREATE INDEX api_keys_account ON api_keys(account_id);

                -- Jobs: a phase beside the state, a webhook signing secret, and when they last changed.
                ALTER TABLE jobs ADD COLUMN phase TEXT NOT NULL DEFAULT 'queued';
                UPDATE jobs SET phase = CASE status WHEN 'running' THEN 'rendering' ELSE status END;
                ALTER TABLE jobs ADD COLUMN webhook_secret TEXT;
                ALTER TABLE jobs ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
                UPDATE jobs SET updated_at = COALESCE(finished_at, started_at, created_at);
                CREATE INDEX jobs_task ON jobs(task_id);

                -- Tasks: files sent with them by name, and the document a generated one came from.
                ALTER TABLE tasks ADD COLUMN inputs TEXT;
                ALTER TABLE tasks ADD COLUMN source_document TEXT;

                -- The outbox: headers (signatures) and how many attempts each delivery gets.
                ALTER TABLE webhooks ADD COLUMN headers TEXT;
                ALTER TABLE webhooks ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 8;
                """)
        }
        migrator.registerMigration("v4: paid quotes") { db in
            // Renders offered for payment before any account pays (`QuoteRecord`).
            try db.execute(sql: """
                CREATE TABLE quotes (
                    id TEXT PRIMARY KEY,
                    api TEXT NOT NULL,
                    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    task_id TEXT NOT NULL,
                    credits INTEGER NOT NULL,
                    amount_cents INTEGER NOT NULL,
                    currency TEXT NOT NULL,
                    claim_hash BLOB NOT NULL,
                    status TEXT NOT NULL,
                    expires_at TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    paid_at TEXT,
                    payment_reference TEXT,
                    job_id TEXT
                );
                """)
        }
        migrator.registerMigration("v5: account defaults") { db in
            // Values an account's requests take where they leave a field out, by name (JSON text).
            try db.execute(sql: """
                CREATE TABLE account_defaults (
                    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (account_id, name)
                );
                """)
        }
        migrator.registerMigration("v6: operations") { db in
            // The request that created a job (for logs), and a render's pace while it runs.
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN request_id TEXT;
                ALTER TABLE jobs ADD COLUMN fps REAL;
                ALTER TABLE jobs ADD COLUMN eta REAL;
                CREATE INDEX credit_ledger_kind ON credit_ledger(kind, job_id);
                ALTER TABLE webhooks ADD COLUMN job_id TEXT;
                ALTER TABLE webhooks ADD COLUMN request_id TEXT;
                """)
        }
        migrator.registerMigration("v7: output formats") { db in
            // The format a job writes (nil: the surface's default, an MP4) and a poster's time.
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN output_format TEXT;
                ALTER TABLE jobs ADD COLUMN poster_at REAL;
                """)
        }
        migrator.registerMigration("v8: worker leases") { db in
            // Who renders a running job (a worker process, `LeaseOwner`) and until when its claim
            // holds: a job whose lease runs out, or whose owner is known to be gone, goes back to
            // the queue (or fails once its attempts are used).
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
                ALTER TABLE jobs ADD COLUMN lease_expires_at TEXT;
                CREATE INDEX jobs_lease ON jobs(status, lease_expires_at);
                """)
        }
        migrator.registerMigration("v9: segmented renders") { db in
            // A render split across workers: its plan (JSON, the renderer's), and one row for
            // each segment, claimed and leased like a job (`Segments.swift`).
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN segment_plan TEXT;
                CREATE TABLE job_segments (
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    idx INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    frame_count INTEGER NOT NULL,
                    frames_done INTEGER NOT NULL DEFAULT 0,
                    lease_owner TEXT,
                    lease_expires_at TEXT,
                    output_path TEXT,
                    error TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (job_id, idx)
                );
                CREATE INDEX job_segments_status ON job_segments(status, created_at);
                """)
        }
        return migrator
    }
}

/// The request on whose behalf the store is written to, when there is one: jobs record its id,
/// so that a job's log lines can be matched with the request that created it.
public enum RequestTrace {
    @TaskLocal public static var requestID: String?
}

/// Timestamps as ISO 8601 text in UTC with milliseconds, sortable as strings.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    public static func date(_ string: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: string)
    }

    public static var now: String { string(Date()) }
}

/// Random identifiers from an alphabet that survives URLs and file names.
public enum Identifier {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    public static func make(_ length: Int, prefix: String = "") -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
