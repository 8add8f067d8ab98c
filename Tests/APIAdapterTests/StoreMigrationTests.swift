import Foundation
import GRDB
@testable import Store
import Testing

/// A database made before a migration keeps its rows, with the new columns' defaults.
@Suite struct StoreMigrationTests {
    @Test func tasksFromBeforeDialectsReadAsRenderingVideoV2() throws {
        let path = NSTemporaryDirectory() + "reel-migration-" + UUID().uuidString + ".sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let old = try DatabasePool(path: path)
            try ReelDatabase.migrator.migrate(old, upTo: "v1")
            try old.write { db in
                try db.execute(sql: "INSERT INTO accounts (id, name, storage_quota, created_at) VALUES ('a', 'acme', 1, '2026-01-01T00:00:00Z')")
                try db.execute(sql: """
                    INSERT INTO tasks (id, account_id, api, config, category, status, width, height, duration, cost, created_at)
                    VALUES ('t1', 'a', 'renderingvideo', '{}', 'api', 'created', 64, 36, 1, 1, '2026-01-01T00:00:00Z')
                    """)
            }
        }
        let database = try ReelDatabase(path: path)
        let task = try database.task(id: "t1", account: "a")
        #expect(task.dialect == "renderingvideo-v2" && task.config == "{}")
    }

    /// Keys made before keys carried their format still open their surface, and jobs made before
    /// phases read with the phase of their state.
    @Test func keysAndJobsFromBeforeTheSeamKeepWorking() throws {
        let path = NSTemporaryDirectory() + "reel-migration-" + UUID().uuidString + ".sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rv = "sk-" + String(repeating: "a", count: 16) + String(repeating: "s", count: 32)
        let avs = "avs.tokenid000000001.secret"
        do {
            let old = try DatabasePool(path: path)
            try ReelDatabase.migrator.migrate(old, upTo: "v2: task dialects")
            try old.write { db in
                try db.execute(sql: "INSERT INTO accounts (id, name, storage_quota, created_at) VALUES ('a', 'acme', 1, '2026-01-01T00:00:00Z')")
                for (id, api, key) in [(String(repeating: "a", count: 16), "renderingvideo", rv), ("tokenid000000001", "avs", avs)] {
                    try db.execute(sql: "INSERT INTO api_keys (id, account_id, api, secret_hash, created_at) VALUES (?, 'a', ?, ?, '2026-01-01T00:00:00Z')",
                                   arguments: [id, api, ReelDatabase.hash(key)])
                }
                try db.execute(sql: """
                    INSERT INTO jobs (id, task_id, account_id, status, cost, created_at, started_at) VALUES
                        ('j1', 't1', 'a', 'running', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z'),
                        ('j2', 't2', 'a', 'completed', 1, '2026-01-01T00:00:00Z', NULL)
                    """)
            }
        }
        let database = try ReelDatabase(path: path)
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
