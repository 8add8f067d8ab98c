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
}
