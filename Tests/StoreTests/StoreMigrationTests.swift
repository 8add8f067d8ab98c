import Foundation
import ScratchDatabases
@testable import Store
import Testing

/// Each backend's schema is made by the same migrations, applied once however many processes
/// open the database at once; a database made before a migration keeps its rows, with the new
/// columns' defaults.
@Suite struct StoreMigrationTests {
    @Test(arguments: StoreBackend.allCases)
    func migrationsApplyOnceAndOpeningAgainChangesNothing(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let database = try scratch.open()
            let names = Migration.all.map(\.name)
            #expect(try database.appliedMigrations() == names)
            _ = try database.createAccount(name: "acme", credits: 3)
            let again = try scratch.open()
            #expect(try again.appliedMigrations() == names)
            #expect(try again.balance(account: again.account(named: "acme").id) == 3, "opening again keeps the data")
        }
    }

    /// Servers and workers starting together each migrate: one does the work, the others wait
    /// (PostgreSQL: an advisory lock; SQLite: its write lock) and find nothing left to do.
    @Test(arguments: StoreBackend.allCases)
    func processesOpeningTogetherMigrateOnce(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let opened = concurrently(6) { _ in Result { try scratch.open() } }
            for outcome in opened {
                if case .failure(let error) = outcome { Issue.record("opening failed: \(error)") }
            }
            let database = try scratch.open()
            #expect(try database.appliedMigrations() == Migration.all.map(\.name))
            let table = backend == .postgres ? "reel_migrations" : "grdb_migrations"
            let rows = try database.store.read { try $0.integer("SELECT COUNT(*) FROM \(table)") }
            #expect(rows == Migration.all.count)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func tasksFromBeforeDialectsReadAsRenderingVideoV2(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let old = try ReelDatabase.store(at: scratch.location, upTo: "v1")
            try old.write { tx in
                try tx.execute("INSERT INTO accounts (id, name, storage_quota, created_at) VALUES ('a', 'acme', 1, '2026-01-01T00:00:00Z')", [])
                try tx.execute("""
                    INSERT INTO tasks (id, account_id, api, config, category, status, width, height, duration, cost, created_at)
                    VALUES ('t1', 'a', 'renderingvideo', '{}', 'api', 'created', 64, 36, 1, 1, '2026-01-01T00:00:00Z')
                    """, [])
            }
            let database = try scratch.open()
            let task = try database.task(id: "t1", account: "a")
            #expect(task.dialect == "renderingvideo-v2" && task.config == "{}")
        }
    }

    /// Keys made before keys carried their format still open their surface, and jobs made before
    /// phases read with the phase of their state.
    @Test(arguments: StoreBackend.allCases)
    func keysAndJobsFromBeforeTheSeamKeepWorking(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let rv = "sk-" + String(repeating: "a", count: 16) + String(repeating: "s", count: 32)
            let avs = "avs.tokenid000000001.secret"
            let old = try ReelDatabase.store(at: scratch.location, upTo: "v2: task dialects")
            try old.write { tx in
                try tx.execute("INSERT INTO accounts (id, name, storage_quota, created_at) VALUES ('a', 'acme', 1, '2026-01-01T00:00:00Z')", [])
                for (id, api, key) in [(String(repeating: "a", count: 16), "renderingvideo", rv), ("tokenid000000001", "avs", avs)] {
                    try tx.execute("INSERT INTO api_keys (id, account_id, api, secret_hash, created_at) VALUES (?, 'a', ?, ?, '2026-01-01T00:00:00Z')",
                                   [id, api, ReelDatabase.hash(key)])
                }
                try tx.execute("""
                    INSERT INTO jobs (id, task_id, account_id, status, cost, created_at, started_at) VALUES
                        ('j1', 't1', 'a', 'running', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z'),
                        ('j2', 't2', 'a', 'completed', 1, '2026-01-01T00:00:00Z', NULL)
                    """, [])
            }
            let database = try scratch.open()
            let renderingvideo = APISurface(name: "renderingvideo", keyFormat: KeyFormat(prefix: "sk-", separator: ""))
            let avsSurface = APISurface(name: "avs", keyFormat: KeyFormat(prefix: "avs.", separator: "."))
            #expect(try database.authenticate(rv, api: renderingvideo).id == "a")
            #expect(try database.authenticate(avs, api: avsSurface).id == "a")
            #expect(throws: KeyRejection.invalid) { try database.authenticate(avs.replacingOccurrences(of: "secret", with: "guess!"), api: avsSurface) }
            let (rotated, _) = try database.rotateKey(id: "tokenid000000001")
            #expect(rotated.hasPrefix("avs.tokenid000000001."))
            #expect(try database.authenticate(rotated, api: avsSurface).id == "a")
            let running = try database.job(id: "j1"), done = try database.job(id: "j2")
            #expect(running?.phase == .rendering && running?.updatedAt == "2026-01-01T00:00:01Z")
            #expect(done?.phase == .completed && done?.status == .completed)
        }
    }

    /// A script splits at its statements' semicolons, not at those inside quotes, comments or a
    /// function's `$$` body; placeholders outside quotes are numbered for PostgreSQL.
    @Test func scriptsSplitAtStatementsOnly() {
        let script = """
            CREATE TABLE a (x TEXT DEFAULT ';'); -- a comment; with a semicolon's quote
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no; never'; END $$;
            INSERT INTO a VALUES ('?')
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 3)
        #expect(statements.first == "CREATE TABLE a (x TEXT DEFAULT ';')")
        #expect(statements.dropFirst().first?.hasSuffix("END $$") == true)
        #expect(SQLScript.numberedPlaceholders("SELECT '?', ? FROM t WHERE a = ? AND b = '?'") == "SELECT '?', $1 FROM t WHERE a = $2 AND b = '?'")
    }
}
