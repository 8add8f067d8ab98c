public import Foundation

/// Reel's durable state, with its migrations: by default one SQLite database (WAL mode) in the
/// data folder; or a PostgreSQL database that several servers and workers share
/// (`DatabaseLocation`). The store's rules are written once, over `SQLStore`.
///
/// Every API surface shares the accounts, keys, credit ledger, jobs, files and webhook outbox;
/// the store knows none of the surfaces: keys carry their surface's name and format, jobs their
/// dialect's name, and each surface words states and errors in its own vocabulary.
public final class ReelDatabase: Sendable {
    let store: any SQLStore

    /// Opens (creating and migrating when needed) the SQLite database at `path`.
    public convenience init(path: String) throws {
        self.init(store: try SQLiteStore(path: path))
    }

    /// Opens (migrating when needed) the database at `location`.
    public convenience init(location: DatabaseLocation) throws {
        self.init(store: try Self.store(at: location))
    }

    /// The backend for `location`, migrated up to `lastMigration` (all of them for nil).
    static func store(at location: DatabaseLocation, upTo lastMigration: String? = nil) throws -> any SQLStore {
        switch location {
        case .sqlite(let path): try SQLiteStore(path: path, upTo: lastMigration)
        case .postgres(let settings): try PostgresStore(settings: settings, upTo: lastMigration)
        }
    }

    init(store: any SQLStore) {
        self.store = store
    }

    /// The names of the migrations the database has had, in order.
    public func appliedMigrations() throws -> [String] { try store.appliedMigrations() }
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
