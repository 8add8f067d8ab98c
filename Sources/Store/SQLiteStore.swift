import Foundation
internal import GRDB

/// The embedded store: one SQLite database in WAL mode through GRDB. Its writes are serialised
/// (one writer at a time, `BEGIN IMMEDIATE`), so it needs no row locks.
struct SQLiteStore: SQLStore {
    let pool: DatabasePool

    var dialect: SQLDialect { Self.dialect }

    static let dialect = SQLDialect(
        integer: "INTEGER", real: "REAL", blob: "BLOB", autoincrementKey: "INTEGER PRIMARY KEY AUTOINCREMENT",
        lockRows: "", lockRowsSkippingLocked: "",
        appendOnly: { table, message in
            """
            CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
                BEGIN SELECT RAISE(ABORT, '\(message)'); END;
            CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
                BEGIN SELECT RAISE(ABORT, '\(message)'); END;
            """
        })

    /// Opens (creating and migrating when needed) the database at `path`; `upTo` stops after
    /// that migration (for tests of data made by earlier versions).
    init(path: String, upTo lastMigration: String? = nil) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        pool = try Self.openPool(path: path, configuration: configuration)
        // GRDB reads which migrations are applied before it takes the write lock, so processes
        // opening a new database together can race to a step: the loser's step fails on the
        // winner's change and is rolled back, and migrating again finds it applied.
        let last = lastMigration ?? Migration.all.last?.name ?? ""
        for attempt in 1...(Migration.all.count + 1) {
            do {
                try Self.migrator.migrate(pool, upTo: last)
                break
            } catch is DatabaseError where attempt <= Migration.all.count {
                continue
            }
        }
    }

    /// Opens the pool, trying again for up to the busy timeout while the database is locked:
    /// switching a new database to WAL takes an exclusive lock, and SQLite answers "database is
    /// locked" at once (without its busy handler) to the processes that open it meanwhile.
    private static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                usleep(UInt32.random(in: 1_000...20_000))
            }
        }
    }

    /// The store's migrations as GRDB runs them, under the names databases made before
    /// PostgreSQL support recorded.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in Migration.all {
            migrator.registerMigration(migration.name) { db in try db.execute(sql: migration.script(dialect)) }
        }
        return migrator
    }

    func write<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try pool.write { try body(Transaction(db: $0)) }
    }

    func read<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try pool.read { try body(Transaction(db: $0)) }
    }

    func appliedMigrations() throws -> [String] {
        try pool.read { try Self.migrator.appliedMigrations($0) }
    }

    struct Transaction: SQLTransaction {
        let db: Database

        var dialect: SQLDialect { SQLiteStore.dialect }

        @discardableResult
        func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int {
            try db.execute(sql: sql, arguments: Self.arguments(arguments))
            return db.changesCount
        }

        func rows(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow] {
            try Row.fetchAll(db, sql: sql, arguments: Self.arguments(arguments)).map { row in
                SQLRow(columns: row.map { name, value in (name, Self.value(value)) })
            }
        }

        static func arguments(_ values: [any SQLBindable]) -> StatementArguments {
            StatementArguments(values.map { value -> DatabaseValue in
                switch value.sqlValue {
                case .null: .null
                case .integer(let number): number.databaseValue
                case .real(let number): number.databaseValue
                case .text(let text): text.databaseValue
                case .blob(let bytes): bytes.databaseValue
                }
            })
        }

        static func value(_ value: DatabaseValue) -> SQLValue {
            switch value.storage {
            case .null: .null
            case .int64(let number): .integer(number)
            case .double(let number): .real(number)
            case .string(let text): .text(text)
            case .blob(let bytes): .blob(bytes)
            }
        }
    }
}
