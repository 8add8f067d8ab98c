/// One step of the schema, written once for both databases: the dialect spells the column types,
/// the auto-numbered keys and the append-only triggers. SQLite runs each step through GRDB's
/// migrator (its `grdb_migrations` table); PostgreSQL through `PostgresStore.migrate`
/// (`reel_migrations`). A step is never edited once released: a change is a new step at the end.
struct Migration: Sendable {
    let name: String
    let script: @Sendable (SQLDialect) -> String

    /// The migrations up to and including `last` (all of them for nil).
    static func all(upTo last: String?) -> ArraySlice<Migration> {
        guard let last, let end = all.firstIndex(where: { $0.name == last }) else { return all[...] }
        return all[...end]
    }

    static let all: [Migration] = [
        Migration(name: "v1") { t in
            """
            CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                storage_quota \(t.integer) NOT NULL,
                settings TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL
            );
            -- One table for every API surface's credentials. RenderingVideo: sk-<id><secret>;
            -- AVS: avs.<id>.<secret>; FVS agent keys carry per-key default settings.
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                api TEXT NOT NULL CHECK (api IN ('renderingvideo', 'avs', 'fvs')),
                secret_hash \(t.blob) NOT NULL,
                label TEXT,
                settings TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL,
                revoked_at TEXT
            );
            -- Append-only: a balance is the sum of its rows.
            CREATE TABLE credit_ledger (
                id \(t.autoincrementKey),
                account_id TEXT NOT NULL REFERENCES accounts(id),
                delta \(t.integer) NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('grant', 'reserve', 'settle', 'refund')),
                job_id TEXT,
                note TEXT,
                created_at TEXT NOT NULL
            );
            CREATE INDEX credit_ledger_account ON credit_ledger(account_id);
            \(t.appendOnly("credit_ledger", "the credit ledger is append-only"))
            CREATE TABLE tasks (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                api TEXT NOT NULL,
                config TEXT NOT NULL,
                metadata TEXT,
                title TEXT,
                category TEXT NOT NULL,
                status TEXT NOT NULL,
                width \(t.integer) NOT NULL,
                height \(t.integer) NOT NULL,
                duration \(t.real) NOT NULL,
                cost \(t.integer) NOT NULL,
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
                cost \(t.integer) NOT NULL,
                progress \(t.real) NOT NULL DEFAULT 0,
                webhook_url TEXT,
                workers \(t.integer) NOT NULL DEFAULT 1,
                attempts \(t.integer) NOT NULL DEFAULT 0,
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
                size \(t.integer) NOT NULL,
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
                id \(t.autoincrementKey),
                url TEXT NOT NULL,
                payload TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
                attempts \(t.integer) NOT NULL DEFAULT 0,
                next_attempt_at TEXT NOT NULL,
                last_error TEXT,
                created_at TEXT NOT NULL
            );
            """
        },
        // Which input dialect a task's document is written in; every task before this one was a
        // RenderingVideo v2 config.
        Migration(name: "v2: task dialects") { _ in
            "ALTER TABLE tasks ADD COLUMN dialect TEXT NOT NULL DEFAULT 'renderingvideo-v2'"
        },
        // Keys carry their own format, so the store checks and rotates them without knowing the
        // surfaces; the surface names are no longer a fixed list. The formats of the keys made
        // before this are the three surfaces' formats of the time.
        Migration(name: "v3: surfaces as plug-ins") { t in
            """
            CREATE TABLE api_keys_new (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                api TEXT NOT NULL,
                key_prefix TEXT NOT NULL,
                key_separator TEXT NOT NULL,
                secret_hash \(t.blob) NOT NULL,
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
            ALTER TABLE webhooks ADD COLUMN max_attempts \(t.integer) NOT NULL DEFAULT 8;
            """
        },
        // Renders offered for payment before any account pays (`QuoteRecord`).
        Migration(name: "v4: paid quotes") { t in
            """
            CREATE TABLE quotes (
                id TEXT PRIMARY KEY,
                api TEXT NOT NULL,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                task_id TEXT NOT NULL,
                credits \(t.integer) NOT NULL,
                amount_cents \(t.integer) NOT NULL,
                currency TEXT NOT NULL,
                claim_hash \(t.blob) NOT NULL,
                status TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                created_at TEXT NOT NULL,
                paid_at TEXT,
                payment_reference TEXT,
                job_id TEXT
            );
            """
        },
        // Values an account's requests take where they leave a field out, by name (JSON text).
        Migration(name: "v5: account defaults") { _ in
            """
            CREATE TABLE account_defaults (
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (account_id, name)
            );
            """
        },
        // The request that created a job (for logs), and a render's pace while it runs.
        Migration(name: "v6: operations") { t in
            """
            ALTER TABLE jobs ADD COLUMN request_id TEXT;
            ALTER TABLE jobs ADD COLUMN fps \(t.real);
            ALTER TABLE jobs ADD COLUMN eta \(t.real);
            CREATE INDEX credit_ledger_kind ON credit_ledger(kind, job_id);
            ALTER TABLE webhooks ADD COLUMN job_id TEXT;
            ALTER TABLE webhooks ADD COLUMN request_id TEXT;
            """
        },
        // The format a job writes (nil: the surface's default, an MP4) and a poster's time.
        Migration(name: "v7: output formats") { t in
            """
            ALTER TABLE jobs ADD COLUMN output_format TEXT;
            ALTER TABLE jobs ADD COLUMN poster_at \(t.real);
            """
        },
        // Who renders a running job (a worker process, `LeaseOwner`) and until when its claim
        // holds: a job whose lease runs out, or whose owner is known to be gone, goes back to the
        // queue (or fails once its attempts are used).
        Migration(name: "v8: worker leases") { _ in
            """
            ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
            ALTER TABLE jobs ADD COLUMN lease_expires_at TEXT;
            CREATE INDEX jobs_lease ON jobs(status, lease_expires_at);
            """
        },
        // A render split across workers: its plan (JSON, the renderer's), and one row for each
        // segment, claimed and leased like a job (`Segments.swift`).
        Migration(name: "v9: segmented renders") { t in
            """
            ALTER TABLE jobs ADD COLUMN segment_plan TEXT;
            CREATE TABLE job_segments (
                job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                idx \(t.integer) NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed')),
                attempts \(t.integer) NOT NULL DEFAULT 0,
                frame_count \(t.integer) NOT NULL,
                frames_done \(t.integer) NOT NULL DEFAULT 0,
                lease_owner TEXT,
                lease_expires_at TEXT,
                output_path TEXT,
                error TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (job_id, idx)
            );
            CREATE INDEX job_segments_status ON job_segments(status, created_at);
            """
        },
    ]
}
